import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Dialect } from "../../db/client";
import { createStores } from "../../db/stores/index";
import { createTaskEventBus } from "../../domain/task-event-bus";
import { silentLogger } from "../../platform/logger";
import { createRedisFactory } from "../../platform/redis";
import { createQueue } from "../../worker/queue/create-queue";
import { composeEngine as createTaskEngine } from "../support/compose-engine";
import { createTestDatabase } from "../support/databases";
import { createScriptedHandlers } from "../support/scripted-handlers";
import { rounds, type Workload } from "./workload";

/**
 * Tasks per second end to end: submit (row + event + publish), deliver, run three no-op steps
 * through the journal (database, then event bus), succeed. The database is the cost being measured.
 */
export async function benchTaskEngine(options: {
  dialect: Dialect;
  engine: "memory" | "bullmq";
  redisUrl: string;
  prefix: string;
  workload: Workload;
  concurrency: number;
}) {
  const testDb = await createTestDatabase(options.dialect);
  const dataDir = mkdtempSync(join(tmpdir(), "cloudops-bench-"));
  const stores = createStores(testDb.database);
  const bus = createTaskEventBus({
    redis: createRedisFactory(options.redisUrl),
    prefix: options.prefix,
    logger: silentLogger,
  });
  const queue = await createQueue(
    {
      engine: options.engine,
      redisUrl: options.redisUrl,
      prefix: options.prefix,
      maxConcurrentSessions: options.concurrency,
      maxMessagesPerSession: 4,
    },
    silentLogger,
  );
  const engine = createTaskEngine({
    stores,
    queue,
    bus,
    logger: silentLogger,
    dataDir,
    stepDelayMs: 0,
    handlers: createScriptedHandlers().handlers,
  });
  try {
    await engine.startWorker();
    const started = performance.now();
    for (const round of rounds(options.workload)) {
      await Promise.all(
        round.map((item) =>
          engine.tasks.submit({
            type: "k8s.restart",
            entityId: item.entityId,
            payload: {},
            requestedBy: "bench",
            source: "system",
          }),
        ),
      );
    }
    for (;;) {
      const counts = await stores.tasks.countByStatus();
      if (counts.succeeded + counts.failed >= options.workload.jobs) {
        if (counts.failed > 0) throw new Error(`${counts.failed} benchmark tasks failed`);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    return { tasksPerSecond: options.workload.jobs / seconds, seconds };
  } finally {
    await engine.stop(100);
    await queue.close();
    await bus.close();
    await testDb.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
