/**
 * npm run bench:queue — prints figures, asserts nothing about time.
 * Needs REDIS_URL; DATABASE_URL (postgres://) adds the PostgreSQL end-to-end figures.
 * Every side runs BENCH_RUNS times (default 3), interleaved, and prints median and range.
 */
import { deleteRedisKeys } from "../support/redis-keys";
import { postgresUrl, redisUrl, uniqueSuffix } from "../support/services";
import { CONTENDED, compareFifoAndRaw, THROUGHPUT } from "./fifo-compare";
import { formatSummary, interleaved, machineLine, summarise } from "./stats";
import { benchTaskEngine } from "./task-engine";
import type { Workload } from "./workload";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONCURRENCY = 8;
const TASKS: Workload = { jobs: 500, entities: 50 };

async function main(): Promise<void> {
  if (!redisUrl) {
    console.error("bench:queue needs REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6379 npm run bench:queue)");
    process.exit(1);
  }
  await run(redisUrl);
}

async function run(redisUrl: string): Promise<void> {
  const prefix = `cloudops-bench:${uniqueSuffix()}`;
  console.log(machineLine());
  console.log(`Redis ${redisUrl}; ${RUNS} interleaved runs per side`);
  try {
    // FIFO engine against raw BullMQ (tests/bench/fifo-compare.ts; alone: tests/bench/fifo-bench.ts).
    const fifo = { redisUrl, concurrency: CONCURRENCY, runs: RUNS };
    let violations = await compareFifoAndRaw({
      ...fifo,
      prefix: `${prefix}:tp`,
      workload: THROUGHPUT,
      label: "Throughput",
    });
    violations += await compareFifoAndRaw({
      ...fifo,
      prefix: `${prefix}:order`,
      workload: CONTENDED,
      label: "Order under contention",
    });

    console.log(
      `\nTask engine end to end: ${TASKS.jobs} tasks (3 no-op steps each) over ${TASKS.entities} entities, concurrency ${CONCURRENCY}`,
    );
    const dialects = postgresUrl ? (["sqlite", "postgres"] as const) : (["sqlite"] as const);
    let n = 0;
    const sides = dialects.flatMap((dialect) =>
      (["memory", "bullmq"] as const).map((engine) => ({
        name: `${dialect} + ${engine}`,
        run: async () =>
          (
            await benchTaskEngine({
              dialect,
              engine,
              redisUrl,
              prefix: `${prefix}:${dialect}-${engine}-${n++}`,
              workload: TASKS,
              concurrency: CONCURRENCY,
            })
          ).tasksPerSecond,
      })),
    );
    const results = await interleaved(sides, RUNS);
    for (const [name, values] of results)
      console.log(`  ${name.padEnd(18)} tasks/s ${formatSummary(summarise(values))}`);
    if (!postgresUrl) console.log("  (set DATABASE_URL=postgres://... for the PostgreSQL figures)");
    if (violations > 0) {
      console.error(`\nThe FIFO engine broke per-entity order ${violations} time(s).`);
      process.exitCode = 1;
    }
  } finally {
    await deleteRedisKeys(redisUrl, prefix);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
