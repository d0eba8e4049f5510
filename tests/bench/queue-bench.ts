/**
 * npm run bench:queue — prints figures, asserts nothing about time.
 * Needs REDIS_URL; DATABASE_URL (postgres://) adds the PostgreSQL end-to-end figure.
 */
import { deleteRedisKeys } from "../support/redis-keys";
import { postgresUrl, redisUrl, uniqueSuffix } from "../support/services";
import { benchFifoEngine } from "./fifo-engine";
import { benchRawBullmq } from "./raw-bullmq";
import { benchTaskEngine } from "./task-engine";

const QUEUE_WORKLOAD = { jobs: 10_000, entities: 1_000 };
const TASK_WORKLOAD = { jobs: 500, entities: 50 };
const CONCURRENCY = 8;

async function main(): Promise<void> {
  if (!redisUrl) {
    console.error("bench:queue needs REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6379 npm run bench:queue)");
    process.exit(1);
  }
  const prefix = `cloudops-bench:${uniqueSuffix()}`;
  const fmt = (n: number) => n.toFixed(0).padStart(7);
  try {
    console.log(
      `Queue: ${QUEUE_WORKLOAD.jobs} no-op jobs over ${QUEUE_WORKLOAD.entities} entities, concurrency ${CONCURRENCY}, Redis ${redisUrl}`,
    );
    const raw = await benchRawBullmq(redisUrl, `${prefix}:raw`, QUEUE_WORKLOAD, CONCURRENCY);
    console.log(
      `  raw BullMQ          ${fmt(raw.jobsPerSecond)} jobs/s  (${raw.seconds.toFixed(2)} s; per-entity order violations ${raw.violations}, not guaranteed by plain BullMQ)`,
    );
    const fifo = await benchFifoEngine(redisUrl, `${prefix}:fifo`, QUEUE_WORKLOAD, CONCURRENCY);
    console.log(
      `  FIFO engine         ${fmt(fifo.jobsPerSecond)} jobs/s  (${fifo.seconds.toFixed(2)} s; order violations ${fifo.violations})`,
    );
    console.log(`  ratio FIFO / raw    ${(fifo.jobsPerSecond / raw.jobsPerSecond).toFixed(2)}`);

    console.log(
      `Task engine end to end: ${TASK_WORKLOAD.jobs} tasks (3 no-op steps each) over ${TASK_WORKLOAD.entities} entities, concurrency ${CONCURRENCY}`,
    );
    const dialects = postgresUrl ? (["sqlite", "postgres"] as const) : (["sqlite"] as const);
    for (const dialect of dialects) {
      for (const engine of ["memory", "bullmq"] as const) {
        const result = await benchTaskEngine({
          dialect,
          engine,
          redisUrl,
          prefix: `${prefix}:${dialect}-${engine}`,
          workload: TASK_WORKLOAD,
          concurrency: CONCURRENCY,
        });
        console.log(
          `  ${dialect.padEnd(8)} + ${engine.padEnd(6)}   ${fmt(result.tasksPerSecond)} tasks/s  (${result.seconds.toFixed(2)} s)`,
        );
      }
    }
    if (!postgresUrl) console.log("  (set DATABASE_URL=postgres://... for the PostgreSQL figures)");
    if (fifo.violations > 0) process.exitCode = 1;
  } finally {
    await deleteRedisKeys(redisUrl, prefix);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
