import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Database, Dialect } from "../../db/client";
import type { createStores } from "../../db/stores/index";
import type { createTaskEventBus } from "../../domain/task-event-bus";
import type { createRedisFactory } from "../../platform/redis";
import type { createQueue } from "../../worker/queue/create-queue";
import type { composeEngine } from "../support/compose-engine";
import type { createTestDatabase } from "../support/databases";
import type { createScriptedHandlers } from "../support/scripted-handlers";
import { rounds, type Workload } from "./workload";

export interface TaskEngineOptions {
  dialect: Dialect;
  engine: "memory" | "bullmq";
  redisUrl: string;
  prefix: string;
  workload: Workload;
  concurrency: number;
}

export interface TaskEngineRun {
  tasksPerSecond: number;
  seconds: number;
  /** CPU time (user + system) of the process running submit and worker, per task, over the timed part. */
  cpuMsPerTask: number;
}

/** What the bench needs of a checkout: loaded from this tree, or from BENCH_BASELINE's. */
interface EngineModules {
  createTestDatabase: typeof createTestDatabase;
  createStores: typeof createStores;
  createTaskEventBus: typeof createTaskEventBus;
  createRedisFactory: typeof createRedisFactory;
  createQueue: typeof createQueue;
  composeEngine: typeof composeEngine;
  createScriptedHandlers: typeof createScriptedHandlers;
  silentLogger: Parameters<typeof createQueue>[1];
}

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");

/** The engine's modules of the checkout at `root` (this one by default). */
export async function loadEngineModules(root = ROOT): Promise<EngineModules> {
  const at = (path: string) => import(join(root, path));
  const [databases, stores, bus, redis, queue, compose, scripted, logger] = await Promise.all([
    at("tests/support/databases.ts"),
    at("db/stores/index.ts"),
    at("domain/task-event-bus.ts"),
    at("platform/redis.ts"),
    at("worker/queue/create-queue.ts"),
    at("tests/support/compose-engine.ts"),
    at("tests/support/scripted-handlers.ts"),
    at("platform/logger.ts"),
  ]);
  return {
    createTestDatabase: databases.createTestDatabase,
    createStores: stores.createStores,
    createTaskEventBus: bus.createTaskEventBus,
    createRedisFactory: redis.createRedisFactory,
    createQueue: queue.createQueue,
    composeEngine: compose.composeEngine,
    createScriptedHandlers: scripted.createScriptedHandlers,
    silentLogger: logger.silentLogger,
  };
}

/**
 * Tasks per second end to end: submit (row + event + publish), deliver, run three no-op steps
 * through the journal (database, then event bus), succeed. The database is the cost being measured.
 */
export async function benchTaskEngine(
  options: TaskEngineOptions,
  modules?: EngineModules,
): Promise<TaskEngineRun> {
  const m = modules ?? (await loadEngineModules());
  const testDb = await m.createTestDatabase(options.dialect);
  const dataDir = mkdtempSync(join(tmpdir(), "cloudops-bench-"));
  const stores = m.createStores(testDb.database);
  const bus = m.createTaskEventBus({
    // The memory engine is the one-process start (`npm start` with no REDIS_URL): its task events stay
    // in the process. Until 2026-12-03 this side published them through Redis as well, which no
    // single-process deployment needs (1.77 vs 1.57 ms CPU per task, SQLite, 2,000 tasks).
    redis: m.createRedisFactory(options.engine === "memory" ? undefined : options.redisUrl),
    prefix: options.prefix,
    logger: m.silentLogger,
  });
  const queue = await m.createQueue(
    {
      engine: options.engine,
      redisUrl: options.redisUrl,
      prefix: options.prefix,
      maxConcurrentSessions: options.concurrency,
      maxMessagesPerSession: 4,
    },
    m.silentLogger,
  );
  const engine = m.composeEngine({
    stores,
    queue,
    bus,
    logger: m.silentLogger,
    dataDir,
    stepDelayMs: 0,
    handlers: m.createScriptedHandlers().handlers,
  });
  try {
    await engine.startWorker();
    const cpu = process.cpuUsage();
    const started = performance.now();
    // Each entity's last task: its lane runs in order, so when it has finished, so has the rest of the lane.
    const lastOfEntity = new Map<string, string>();
    for (const round of rounds(options.workload)) {
      const submitted = await Promise.all(
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
      for (const { task } of submitted) lastOfEntity.set(task.entityId, task.id);
    }
    await waitForAll(testDb.database, stores, [...lastOfEntity.values()], options.workload.jobs);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return {
      tasksPerSecond: options.workload.jobs / seconds,
      seconds,
      cpuMsPerTask: (used.user + used.system) / 1000 / options.workload.jobs,
    };
  } finally {
    await engine.stop(100);
    await queue.close();
    await bus.close();
    await testDb.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Waits until `jobs` tasks have finished. It polls the last task of one entity at a time by primary key
 * (a lane runs in order, and every lane must finish, so the one it waits on is as good as any) and
 * counts the whole table once all are done. Until 2026-12-04 it counted every 20 ms with a group-by
 * over the whole table (354 statements of 2.3 ms in a 10 s run on PostgreSQL, sql-statement-timer.ts),
 * then asked for all 50 last tasks in one statement with `status in (…)` beside `id in (…)`: on the
 * bench's fresh table, which has no statistics yet, PostgreSQL answered that through the status index,
 * comparing every finished task with the whole id list, 3.6 ms a poll and a fifth of the database's
 * statement time in a 3,000-task run (pg_stat_statements on a private cluster). Load on the database
 * being measured that no deployment has; a lookup by primary key costs tens of microseconds.
 */
async function waitForAll(
  database: Database,
  stores: ReturnType<typeof createStores>,
  lastIds: string[],
  jobs: number,
): Promise<void> {
  const statusText = `select status from tasks where id = ?`;
  const finished = async (id: string) => {
    const [row] = await database.rawQuery(statusText, [id]);
    return row?.status === "succeeded" || row?.status === "failed";
  };
  let next = 0;
  for (;;) {
    while (next < lastIds.length && (await finished(lastIds[next] ?? ""))) next++;
    if (next === lastIds.length) {
      const counts = await stores.tasks.countByStatus();
      if (counts.succeeded + counts.failed >= jobs) {
        if (counts.failed > 0) throw new Error(`${counts.failed} benchmark tasks failed`);
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * One run in a fresh process (no JIT or heap state carried from the other sides), with the engine
 * of the checkout at `root`: this tree, or a baseline checkout to compare with in the same run.
 */
export function benchTaskEngineInChild(options: TaskEngineOptions, root = ROOT): Promise<TaskEngineRun> {
  const child = fileURLToPath(new URL("./task-engine-child.ts", import.meta.url));
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      ["--import", "tsx", child, root, JSON.stringify(options)],
      { cwd: ROOT, env: process.env, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (error) return fail(new Error(`task engine run failed: ${stderr || error.message}`));
        const last = stdout.trim().split("\n").at(-1) ?? "";
        try {
          done(JSON.parse(last) as TaskEngineRun);
        } catch {
          fail(new Error(`task engine run printed no result: ${stdout}${stderr}`));
        }
      },
    );
  });
}
