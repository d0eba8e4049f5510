import type { Stores } from "../db/stores/index";
import { createDbInstanceCatalog } from "../domain/db-instance-catalog";
import type { Journal } from "../domain/journal";
import type { TaskQueue } from "../domain/queue-port";
import type { TaskService } from "../domain/task-service";
import type { ArtifactStore } from "../platform/artifacts/artifact-store";
import { createLocalArtifactStore } from "../platform/artifacts/local-artifact-store";
import type { DbInstance } from "../platform/db-instances";
import type { Logger } from "../platform/logger";
import type { Instruments } from "../platform/telemetry/instruments";
import { createDatabaseAdapters } from "./adapters/databases/index";
import {
  createSimulatedKubernetes,
  type KubernetesClusters,
  singleCluster,
} from "./adapters/kubernetes/index";
import { tracedAdapters } from "./adapters/traced";
import type { HandlerDeps } from "./handlers/deps";
import type { TaskHandler } from "./handlers/handler";
import { builtInHandlers, handlerRegistry } from "./handlers/index";
import { createApprovalExpiry } from "./runner/approval-expiry";
import { createBackupRetention } from "./runner/backup-retention";
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
  /** Where plans and backups go; default: files under dataDir. */
  artifactStore?: ArtifactStore;
  /** DB_INSTANCES and friends; default: none, which is the simulator in demo mode. */
  databases?: {
    instances: DbInstance[];
    demoMode: boolean;
    operationTimeoutMs?: number;
    sqlPackagePath?: string;
    retentionDays?: number;
  };
  /** The clusters tasks run against (compose.ts builds them from config); default: the demo simulator. */
  kubernetes?: KubernetesClusters;
  /** Override the built-in handlers (tests use no-op or scripted ones). */
  handlers?: TaskHandler<HandlerDeps>[];
  handlerDeps?: Partial<HandlerDeps>;
  reconcileIntervalMs?: number;
  expiryIntervalMs?: number;
  /** How long a delivery's lease on its task lasts without renewal (tests shorten it). */
  leaseMs?: number;
  /** Step and attempt metrics (default: none recorded). */
  instruments?: Instruments;
  /** Two-person approval: how long a request stays open (APPROVAL_TTL_MINUTES) and how often parked tasks look again. */
  approval?: { ttlMs: number; recheckMs?: number; expiryIntervalMs?: number };
}

/**
 * The worker side of the engine, for worker roles only: the consumer that runs handlers, the
 * reconciler that re-publishes unfinished work, and the sandbox expiry scheduler.
 */
export function createWorker(deps: WorkerDeps) {
  const { stores, queue, journal, logger } = deps;
  const handlers = handlerRegistry(deps.handlers ?? builtInHandlers);
  const db = deps.databases ?? { instances: [], demoMode: true };
  const handlerDeps: HandlerDeps = tracedAdapters({
    stores,
    storage: deps.artifactStore ?? createLocalArtifactStore(deps.dataDir),
    kubernetes:
      deps.kubernetes ??
      singleCluster(createSimulatedKubernetes({ tickMs: Math.max(5, Math.round(deps.stepDelayMs / 2)) })),
    rolloutTimeoutMs: 10 * 60_000,
    databases: createDatabaseAdapters({
      operationTimeoutMs: db.operationTimeoutMs,
      sqlPackagePath: db.sqlPackagePath,
    }),
    instances: createDbInstanceCatalog(db),
    stepDelayMs: deps.stepDelayMs,
    ...deps.handlerDeps,
  });
  const approval = {
    ttlMs: deps.approval?.ttlMs ?? 60 * 60_000,
    recheckMs: deps.approval?.recheckMs ?? 15_000,
  };
  const runner = createTaskRunner({
    stores,
    journal,
    handlers,
    handlerDeps,
    logger,
    leaseMs: deps.leaseMs,
    instruments: deps.instruments,
    approval,
  });
  const approvalExpiry = createApprovalExpiry({
    stores,
    journal,
    queue,
    logger,
    intervalMs: deps.approval?.expiryIntervalMs,
  });
  const reconciler = createReconciler({ stores, queue, logger, intervalMs: deps.reconcileIntervalMs });
  const expiry = createExpiryScheduler({
    stores,
    tasks: deps.tasks,
    logger,
    intervalMs: deps.expiryIntervalMs,
  });
  const retention = createBackupRetention({
    stores,
    storage: handlerDeps.storage,
    logger,
    retentionDays: db.retentionDays ?? 30,
  });
  let consuming = false;

  return {
    handlers,
    reconciler,
    expiry,
    retention,
    approvalExpiry,
    /** Starts consuming: re-publishes unfinished work first, then runs tasks. */
    async start(): Promise<void> {
      await reconciler.reconcileAll();
      await queue.start((delivery) => runner.run(delivery), {
        // The database is the source of truth for what the queue must hold (a broker that lost its data).
        unfinished: async () =>
          (await stores.tasks.listUnfinished()).map((t) => ({
            taskId: t.id,
            entityId: t.entityId,
            status: t.status,
          })),
      });
      reconciler.start();
      expiry.start();
      retention.start();
      approvalExpiry.start();
      consuming = true;
      logger.info("worker started", { queue: queue.kind });
    },
    /** Stops taking work; running steps get `graceMs`, then hand their task back to the queue. */
    async stop(graceMs: number): Promise<void> {
      retention.stop();
      await Promise.all([expiry.stop(), reconciler.stop(), approvalExpiry.stop()]);
      if (consuming) await queue.stop(graceMs);
      consuming = false;
    },
  };
}

export type Worker = ReturnType<typeof createWorker>;
