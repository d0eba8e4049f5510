import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStores, type Stores } from "../../db/stores/index";
import type { TaskQueue } from "../../domain/queue-port";
import { createTaskEventBus, type TaskEventBus } from "../../domain/task-event-bus";
import { silentLogger } from "../../platform/logger";
import { createRedisFactory } from "../../platform/redis";
import { createQueue } from "../../worker/queue/create-queue";
import { composeEngine, type EngineDeps, type TaskEngine } from "./compose-engine";
import { createTestDatabase, type TestDatabase } from "./databases";
import { deleteRedisKeys } from "./redis-keys";
import { postgresUrl, uniqueSuffix } from "./services";
import { spawnWorker, type WorkerChild } from "./worker-child";
import type { WorkerSettings } from "./worker-process";

/**
 * Real worker processes (tests/support/worker-process.ts) on BullMQ sharing one database and one
 * Redis prefix with the test process, which plays the API: it submits through `engine.tasks` and
 * reads the journal through `stores`. PostgreSQL when DATABASE_URL names one, else a SQLite file.
 */
export async function createWorkerFleet(options: {
  redisUrl: string;
  maxConcurrentSessions: number;
  /** Handlers of the test process's task service (their retry policies); default: the built-in ones. */
  handlers?: EngineDeps["handlers"];
}) {
  const prefix = `cloudops-test:${uniqueSuffix()}`;
  const children: WorkerChild[] = [];
  const testDb: TestDatabase = await createTestDatabase(postgresUrl ? "postgres" : "sqlite");
  const stores: Stores = createStores(testDb.database);
  const dataDir = mkdtempSync(join(tmpdir(), "cloudops-fleet-"));
  const bus: TaskEventBus = createTaskEventBus({
    redis: createRedisFactory(options.redisUrl),
    prefix,
    logger: silentLogger,
  });
  const queue: TaskQueue = await createQueue(
    {
      engine: "bullmq",
      redisUrl: options.redisUrl,
      prefix,
      maxConcurrentSessions: options.maxConcurrentSessions,
      maxMessagesPerSession: 4,
    },
    silentLogger,
  );
  const engine: TaskEngine = composeEngine({
    stores,
    queue,
    bus,
    logger: silentLogger,
    dataDir,
    stepDelayMs: 10,
    handlers: options.handlers,
  });

  return {
    prefix,
    dataDir,
    stores,
    queue,
    bus,
    engine,
    /** Starts a worker process with these settings over the fleet's defaults; resolves once it consumes. */
    async spawn(settings: Partial<WorkerSettings> & { stepDelayMs: number }): Promise<WorkerChild> {
      const child = spawnWorker({
        databaseUrl: testDb.url,
        redisUrl: options.redisUrl,
        prefix,
        dataDir,
        maxConcurrentSessions: options.maxConcurrentSessions,
        ...settings,
      });
      children.push(child);
      await child.ready;
      return child;
    },
    async close(): Promise<void> {
      await Promise.all(children.map((c) => c.kill()));
      await queue.close();
      await bus.close();
      await testDb.destroy();
      await deleteRedisKeys(options.redisUrl, prefix);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type WorkerFleet = Awaited<ReturnType<typeof createWorkerFleet>>;
