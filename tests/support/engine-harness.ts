import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Dialect } from "../../db/client";
import type { TaskRow } from "../../db/rows";
import { createStores, type Stores } from "../../db/stores/index";
import type { TaskStatus } from "../../domain/model/task-status";
import type { Delivery, ProcessResult, TaskQueue } from "../../domain/queue-port";
import { createTaskEventBus, type TaskEventBus } from "../../domain/task-event-bus";
import { silentLogger } from "../../platform/logger";
import { createRedisFactory } from "../../platform/redis";
import { createQueue, type QueueConfig } from "../../worker/queue/create-queue";
import { composeEngine as createTaskEngine, type EngineDeps, type TaskEngine } from "./compose-engine";
import { createTestDatabase, type TestDatabase } from "./databases";
import { deleteRedisKeys } from "./redis-keys";
import { redisUrl, uniqueSuffix } from "./services";

export type TestQueueEngine = "memory" | "bullmq";

/** The queue engines an engine-level suite runs on: memory always, BullMQ when REDIS_URL is set. */
export function queueEnginesUnderTest(): TestQueueEngine[] {
  return redisUrl ? ["memory", "bullmq"] : ["memory"];
}

export interface TestEngine {
  testDb: TestDatabase;
  stores: Stores;
  bus: TaskEventBus;
  queue: TaskQueue;
  engine: TaskEngine;
  dataDir: string;
  prefix: string;
  waitForStatus(taskId: string, statuses: TaskStatus[], timeoutMs?: number): Promise<TaskRow>;
  destroy(): Promise<void>;
}

export interface TestEngineOptions {
  dialect?: Dialect;
  queue?: Partial<QueueConfig>;
  redisUrl?: string;
  /** Shorthand for `queue: { engine, redisUrl }` with the REDIS_URL of tests/support/services. */
  queueEngine?: TestQueueEngine;
  /**
   * Runs after the runner has answered a delivery and before the queue acts on the answer: the
   * moment a request that races the end of a delivery (a retry as an attempt fails) lands in.
   */
  afterDelivery?: (delivery: Delivery, result: ProcessResult) => Promise<void>;
  engine?: Partial<
    Pick<
      EngineDeps,
      | "handlers"
      | "handlerDeps"
      | "stepDelayMs"
      | "reconcileIntervalMs"
      | "onTaskFinished"
      | "databases"
      | "artifactStore"
      | "approval"
      | "onApprovalRequested"
    >
  >;
}

/** A task engine on a fresh database with a unique Redis prefix and data dir. */
export async function createTestEngine(options: TestEngineOptions = {}): Promise<TestEngine> {
  const testDb = await createTestDatabase(options.dialect ?? "sqlite");
  const stores = createStores(testDb.database);
  const prefix = `cloudops-test:${uniqueSuffix()}`;
  const dataDir = mkdtempSync(join(tmpdir(), "cloudops-data-"));
  const bus = createTaskEventBus({
    redis: createRedisFactory(options.redisUrl),
    prefix,
    logger: silentLogger,
  });
  const engineQueue = options.queueEngine === "bullmq" ? { engine: "bullmq" as const, redisUrl } : {};
  const queueConfig: QueueConfig = {
    engine: "memory",
    maxConcurrentSessions: 4,
    maxMessagesPerSession: 4,
    prefix,
    ...engineQueue,
    ...options.queue,
  };
  const opened = await createQueue(queueConfig, silentLogger);
  const afterDelivery = options.afterDelivery;
  const queue: TaskQueue = afterDelivery
    ? {
        ...opened,
        start: (processor, startOptions) =>
          opened.start(async (delivery) => {
            const result = await processor(delivery);
            await afterDelivery(delivery, result);
            return result;
          }, startOptions),
      }
    : opened;
  const engine = createTaskEngine({
    stores,
    queue,
    bus,
    logger: silentLogger,
    dataDir,
    stepDelayMs: 5,
    ...options.engine,
  });

  async function waitForStatus(taskId: string, statuses: TaskStatus[], timeoutMs = 15_000): Promise<TaskRow> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const task = await stores.tasks.get(taskId);
      if (task && statuses.includes(task.status as TaskStatus)) return task;
      if (Date.now() > deadline)
        throw new Error(`Task ${taskId} is ${task?.status}, not ${statuses.join("/")}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  return {
    testDb,
    stores,
    bus,
    queue,
    engine,
    dataDir,
    prefix,
    waitForStatus,
    async destroy() {
      await engine.stop(100);
      await queue.close();
      await bus.close();
      if (queueConfig.engine === "bullmq" && queueConfig.redisUrl)
        await deleteRedisKeys(queueConfig.redisUrl, prefix);
      await testDb.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
