/**
 * npm run bench:queue — prints figures, asserts nothing about time.
 * Needs REDIS_URL; DATABASE_URL (postgres://) adds the PostgreSQL end-to-end figures.
 * Every side runs BENCH_RUNS times (default 3), interleaved, and prints median and range.
 */
import { deleteRedisKeys } from "../support/redis-keys";
import { postgresUrl, redisUrl, uniqueSuffix } from "../support/services";
import { compareEndToEnd } from "./end-to-end";
import { benchFifoEngine } from "./fifo-engine";
import { benchRawBullmq } from "./raw-bullmq";
import { formatSummary, interleaved, machineLine, summarise } from "./stats";
import type { Workload } from "./workload";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONCURRENCY = 8;
// Many entities, no-op jobs: throughput. Few entities, jobs that wait: order (raw BullMQ breaks it).
const THROUGHPUT: Workload = { jobs: 10_000, entities: 1_000 };
const CONTENDED: Workload = { jobs: 1_000, entities: 4, maxWorkMs: 3 };
const TASKS: Workload = { jobs: Number(process.env.BENCH_TASKS ?? 500), entities: 50 };

type QueueRun = { jobsPerSecond: number; violations: number };

async function compareQueues(url: string, prefix: string, workload: Workload, label: string) {
  console.log(
    `\n${label}: ${workload.jobs} jobs over ${workload.entities} entities${workload.maxWorkMs ? `, each waiting 0-${workload.maxWorkMs} ms` : ", no-op"}, concurrency ${CONCURRENCY}`,
  );
  let n = 0;
  const results = await interleaved<QueueRun>(
    [
      { name: "raw BullMQ", run: () => benchRawBullmq(url, `${prefix}:raw${n++}`, workload, CONCURRENCY) },
      { name: "FIFO engine", run: () => benchFifoEngine(url, `${prefix}:fifo${n++}`, workload, CONCURRENCY) },
    ],
    RUNS,
    (name, r, round) =>
      console.log(
        `  run ${round} ${name.padEnd(12)} ${r.jobsPerSecond.toFixed(0).padStart(7)} jobs/s  order violations ${r.violations}`,
      ),
  );
  const raw = results.get("raw BullMQ") ?? [];
  const fifo = results.get("FIFO engine") ?? [];
  const rawRate = summarise(raw.map((r) => r.jobsPerSecond));
  const fifoRate = summarise(fifo.map((r) => r.jobsPerSecond));
  const ratios = summarise(fifo.map((r, i) => r.jobsPerSecond / (raw[i]?.jobsPerSecond ?? Number.NaN)));
  console.log(
    `  raw BullMQ   jobs/s ${formatSummary(rawRate)}; order violations ${raw.map((r) => r.violations).join(", ")}`,
  );
  console.log(
    `  FIFO engine  jobs/s ${formatSummary(fifoRate)}; order violations ${fifo.map((r) => r.violations).join(", ")}`,
  );
  console.log(`  ratio FIFO / raw (same round) ${formatSummary(ratios, 2)}`);
  return fifo.reduce((sum, r) => sum + r.violations, 0);
}

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
    let violations = await compareQueues(redisUrl, `${prefix}:tp`, THROUGHPUT, "Throughput");
    violations += await compareQueues(redisUrl, `${prefix}:order`, CONTENDED, "Order under contention");

    // End to end, both databases and both queue engines (tests/bench/end-to-end.ts; alone:
    // tests/bench/end-to-end-bench.ts).
    await compareEndToEnd({
      redisUrl,
      postgres: Boolean(postgresUrl),
      prefix: `${prefix}:e2e`,
      runs: RUNS,
      concurrency: CONCURRENCY,
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
