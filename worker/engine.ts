import type { TaskRow } from "../db/model/types";
import type { Stores } from "../db/stores/index";
import type { Logger } from "../logger";
import { createLocalArtifactStorage } from "./adapters/artifact-storage";
import { createDemoDatabaseAdapter } from "./adapters/database";
import { createDemoKubernetesAdapter } from "./adapters/kubernetes";
import type { TaskEventBus } from "./events/task-event-bus";
import type { HandlerDeps } from "./handlers/deps";
import type { TaskHandler } from "./handlers/handler";
import { builtInHandlers, handlerRegistry, retryPolicies } from "./handlers/index";
import type { TaskQueue } from "./queue/port";
import { createExpiryScheduler } from "./runner/expiry-scheduler";
import { createJournal } from "./runner/journal";
import { createReconciler } from "./runner/reconciler";
import { createTaskRunner } from "./runner/task-runner";
import { createTaskService } from "./tasks/task-service";

export interface EngineDeps {
  stores: Stores;
  queue: TaskQueue;
  bus: TaskEventBus;
  logger: Logger;
  dataDir: string;
  stepDelayMs: number;
  /** Override the built-in handlers (tests use no-op or scripted ones). */
  handlers?: TaskHandler<HandlerDeps>[];
  handlerDeps?: Partial<HandlerDeps>;
  reconcileIntervalMs?: number;
  expiryIntervalMs?: number;
  /** Called after a task reaches succeeded, failed or cancelled (writes the notification outbox). */
  onTaskFinished?: (task: TaskRow) => Promise<unknown>;
}

/**
 * The task engine: the task service every front door uses, and (for worker roles) the consumer
 * that runs handlers, the reconciler and the sandbox expiry scheduler.
 */
export function createTaskEngine(deps: EngineDeps) {
  const { stores, queue, bus, logger } = deps;
  const journal = createJournal({ stores, bus, logger, onTerminal: deps.onTaskFinished });
  const handlers = handlerRegistry(deps.handlers ?? builtInHandlers);
  const tasks = createTaskService({ stores, queue, journal, policies: retryPolicies(handlers), logger });
  const handlerDeps: HandlerDeps = {
    stores,
    storage: createLocalArtifactStorage(deps.dataDir),
    kubernetes: createDemoKubernetesAdapter(),
    databases: createDemoDatabaseAdapter(),
    stepDelayMs: deps.stepDelayMs,
    ...deps.handlerDeps,
  };
  const runner = createTaskRunner({ stores, journal, handlers, handlerDeps, logger });
  const reconciler = createReconciler({ stores, queue, logger, intervalMs: deps.reconcileIntervalMs });
  const expiry = createExpiryScheduler({ stores, tasks, logger, intervalMs: deps.expiryIntervalMs });
  let consuming = false;

  return {
    queue,
    journal,
    tasks,
    handlers,
    reconciler,
    expiry,
    /** Starts consuming: re-publishes unfinished work first, then runs tasks. */
    async startWorker(): Promise<void> {
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

export type TaskEngine = ReturnType<typeof createTaskEngine>;
