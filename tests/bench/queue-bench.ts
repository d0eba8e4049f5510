/**
 * npm run bench:queue — prints figures, asserts nothing about time.
 * Needs REDIS_URL; DATABASE_URL (postgres://) adds the PostgreSQL end-to-end figures.
 * Every side runs BENCH_RUNS times (default 3), interleaved, and prints median and range.
 */
import { deleteRedisKeys } from "../support/redis-keys";
import { postgresUrl, redisUrl, uniqueSuffix } from "../support/services";
import { compareEndToEnd, END_TO_END_CONCURRENCY } from "./end-to-end";
import { CONTENDED, compareFifoAndRaw, THROUGHPUT } from "./fifo-compare";
import { machineLine } from "./stats";
import type { Workload } from "./workload";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONCURRENCY = 8;
const TASKS: Workload = { jobs: Number(process.env.BENCH_TASKS ?? 500), entities: 50 };

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

    // End to end, both databases and both queue engines (tests/bench/end-to-end.ts; alone:
    // tests/bench/end-to-end-bench.ts).
    await compareEndToEnd({
      redisUrl,
      postgres: Boolean(postgresUrl),
      prefix: `${prefix}:e2e`,
      runs: RUNS,
      concurrency: END_TO_END_CONCURRENCY,
      workload: TASKS,
    });
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
