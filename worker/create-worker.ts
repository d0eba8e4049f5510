import type { Stores } from "../db/stores/index";
import type { Journal } from "../domain/journal";
import type { TaskQueue } from "../domain/queue-port";
import type { TaskService } from "../domain/task-service";
import type { Logger } from "../platform/logger";
import { createLocalArtifactStorage } from "./adapters/artifact-storage";
import { createDemoDatabaseAdapter } from "./adapters/database";
import {
  createSimulatedKubernetes,
  type KubernetesClusters,
  singleCluster,
} from "./adapters/kubernetes/index";
import type { HandlerDeps } from "./handlers/deps";
import type { TaskHandler } from "./handlers/handler";
import { builtInHandlers, handlerRegistry } from "./handlers/index";
import { createExpiryScheduler } from "./runner/expiry-scheduler";
import { createReconciler } from "./runner/reconciler";
import { createTaskRunner } from "./runner/task-runner";

export interface WorkerDeps {
  stores: Stores;
  queue: TaskQueue;
  journal: Journal;
  /** The task service of this process (the expiry scheduler submits through it). */
  tasks: TaskService;
  logger: Logger;
  dataDir: string;
  stepDelayMs: number;
  /** The clusters tasks run against (compose.ts builds them from config); default: the demo simulator. */
  kubernetes?: KubernetesClusters;
  /** Override the built-in handlers (tests use no-op or scripted ones). */
  handlers?: TaskHandler<HandlerDeps>[];
  handlerDeps?: Partial<HandlerDeps>;
  reconcileIntervalMs?: number;
  expiryIntervalMs?: number;
}

/**
 * The worker side of the engine, for worker roles only: the consumer that runs handlers, the
 * reconciler that re-publishes unfinished work, and the sandbox expiry scheduler.
 */
export function createWorker(deps: WorkerDeps) {
  const { stores, queue, journal, logger } = deps;
  const handlers = handlerRegistry(deps.handlers ?? builtInHandlers);
  const handlerDeps: HandlerDeps = {
    stores,
    storage: createLocalArtifactStorage(deps.dataDir),
    kubernetes:
      deps.kubernetes ??
      singleCluster(createSimulatedKubernetes({ tickMs: Math.max(5, Math.round(deps.stepDelayMs / 2)) })),
    rolloutTimeoutMs: 10 * 60_000,
    databases: createDemoDatabaseAdapter(),
    stepDelayMs: deps.stepDelayMs,
    ...deps.handlerDeps,
  };
  const runner = createTaskRunner({ stores, journal, handlers, handlerDeps, logger });
  const reconciler = createReconciler({ stores, queue, logger, intervalMs: deps.reconcileIntervalMs });
  const expiry = createExpiryScheduler({
    stores,
    tasks: deps.tasks,
    logger,
    intervalMs: deps.expiryIntervalMs,
  });
  let consuming = false;

  return {
    handlers,
    reconciler,
    expiry,
    /** Starts consuming: re-publishes unfinished work first, then runs tasks. */
    async start(): Promise<void> {
      await reconciler.reconcileAll();
      await queue.start((delivery) => runner.run(delivery));
      reconciler.start();
      expiry.start();
      consuming = true;
      logger.info("worker started", { queue: queue.kind });
    },
    /** Stops taking work; running steps get `graceMs`, then hand their task back to the queue. */
    async stop(graceMs: number): Promise<void> {
      expiry.stop();
      await reconciler.stop();
      if (consuming) await queue.stop(graceMs);
      consuming = false;
    },
  };
}

export type Worker = ReturnType<typeof createWorker>;
