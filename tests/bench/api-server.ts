// The server half of `npm run bench:api`: the real runtime (ROLE=api) over a fresh database
// (BENCH_DB=sqlite|postgres) holding BENCH_TASKS tasks with their steps. Prints "READY <port>" when it
// listens; SIGTERM stops it and removes the database.
import { createRuntime } from "../../compose";
import { loadConfig } from "../../config";
import type { Dialect } from "../../db/client";
import { newId } from "../../domain/model/ids";
import { stepsOf, TASK_TYPE_NAMES, type TaskType } from "../../domain/model/task-types";
import { createLogger } from "../../platform/logger";
import { startTracing } from "../../platform/telemetry/tracing";
import { createTestDatabase } from "../support/databases";

const TASKS = Number(process.env.BENCH_TASKS ?? 10_000);
const dialect: Dialect = process.env.BENCH_DB === "postgres" ? "postgres" : "sqlite";
const testDb = await createTestDatabase(dialect);
await testDb.database.close();
const config = loadConfig({
  ROLE: "api",
  DEMO_MODE: "true",
  LOG_LEVEL: "silent",
  DATABASE_URL: testDb.url,
  REDIS_PREFIX: `cloudops-bench-${process.pid}`,
  // Set by the tracing comparison of api-bench.ts: spans go over OTLP to its local receiver.
  OTEL_EXPORTER_OTLP_ENDPOINT: process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
});
const tracing = await startTracing({
  serviceName: "cloudops-bench",
  role: "api",
  version: "bench",
  otlp: config.telemetry.otlpTraces,
});
config.port = 0;
config.host = "127.0.0.1";
const runtime = await createRuntime(config, createLogger("silent"));

const { schema } = runtime.database;
const start = Date.now() - TASKS * 1000;
const statuses = ["succeeded", "succeeded", "succeeded", "failed", "cancelled"] as const;
for (let offset = 0; offset < TASKS; offset += 500) {
  const tasks: Array<typeof schema.tasks.$inferInsert> = [];
  const steps: Array<typeof schema.taskSteps.$inferInsert> = [];
  for (let i = offset; i < Math.min(offset + 500, TASKS); i++) {
    const at = new Date(start + i * 1000);
    const id = newId("task", at.getTime());
    const type = TASK_TYPE_NAMES[i % TASK_TYPE_NAMES.length] as TaskType;
    const status = statuses[i % statuses.length] ?? "succeeded";
    tasks.push({
      id,
      type,
      status,
      entityId: `azure-postgres/db-${i % 300}`,
      projectId: null,
      correlationId: id,
      requestedBy: `user-${i % 50}@contoso.com`,
      source: "api",
      payload: { engine: "azure-postgres", instanceId: `db-${i % 300}` },
      result: status === "succeeded" ? { ok: true } : null,
      attempts: 1,
      maxAttempts: 3,
      createdAt: at,
      updatedAt: at,
      startedAt: at,
      finishedAt: at,
    });
    stepsOf(type).forEach((name, idx) => {
      steps.push({
        taskId: id,
        idx,
        name,
        status: status === "succeeded" ? "succeeded" : "pending",
        percent: 100,
      });
    });
  }
  // Through a transaction, as a live server writes: a process that has run one can differ from one
  // that never did (until d458d97 the first SQLite transaction switched on Node's promise hooks).
  await runtime.database.transaction(async (tx) => {
    await tx.db.insert(schema.tasks).values(tasks);
    await tx.db.insert(schema.taskSteps).values(steps);
  });
}

const port = await runtime.start();
process.stdout.write(`READY ${port}\n`);

const stop = async () => {
  await runtime.stop();
  await tracing.shutdown();
  await testDb.destroy().catch(() => undefined);
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
