/**
 * A worker process for multi-process tests: the real task engine (built-in handlers) on a shared
 * database, BullMQ on a shared prefix, and the Redis event bus. Settings come as one JSON argument
 * (see WorkerSettings); it prints `ready` once it consumes, and stops cleanly on SIGTERM.
 * Run: node --import tsx tests/support/worker-process.ts '<json>'
 */
import { openDatabase } from "../../db/client";
import { createStores } from "../../db/stores/index";
import { createTaskEventBus } from "../../domain/task-event-bus";
import { createLogger } from "../../platform/logger";
import { createRedisFactory } from "../../platform/redis";
import { createQueue } from "../../worker/queue/create-queue";
import { composeEngine as createTaskEngine } from "./compose-engine";
import { createScriptedHandlers } from "./scripted-handlers";

export interface WorkerSettings {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  dataDir: string;
  stepDelayMs: number;
  maxConcurrentSessions: number;
  /** Scripted handlers (tests/support/scripted-handlers.ts) instead of the built-in ones. */
  scripted?: { spin?: boolean };
  /** BullMQ lock and stalled check, and the runner's task lease (tests of stalled workers shorten them). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  leaseMs?: number;
}

async function main(): Promise<void> {
  const settings = JSON.parse(process.argv[2] ?? "{}") as WorkerSettings;
  const logger = createLogger("warn", { worker: process.pid });
  const database = await openDatabase(settings.databaseUrl);
  const stores = createStores(database);
  const bus = createTaskEventBus({
    redis: createRedisFactory(settings.redisUrl),
    prefix: settings.prefix,
    logger,
  });
  const queue = await createQueue(
    {
      engine: "bullmq",
      redisUrl: settings.redisUrl,
      prefix: settings.prefix,
      maxConcurrentSessions: settings.maxConcurrentSessions,
      maxMessagesPerSession: 4,
      lockDurationMs: settings.lockDurationMs,
      stalledIntervalMs: settings.stalledIntervalMs,
    },
    logger,
  );
  const engine = createTaskEngine({
    stores,
    queue,
    bus,
    logger,
    dataDir: settings.dataDir,
    stepDelayMs: settings.stepDelayMs,
    handlers: settings.scripted ? createScriptedHandlers(settings.scripted).handlers : undefined,
    leaseMs: settings.leaseMs,
  });
  await engine.startWorker();
  process.stdout.write("ready\n");

  process.once("SIGTERM", () => {
    void (async () => {
      await engine.stop(1000);
      await queue.close();
      await bus.close();
      await database.close();
      process.exit(0);
    })();
  });
}

main().catch((error) => {
  process.stderr.write(`worker process failed: ${String(error)}\n`);
  process.exit(1);
});
