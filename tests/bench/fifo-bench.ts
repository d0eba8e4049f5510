/**
 * `npx tsx tests/bench/fifo-bench.ts`: only the FIFO engine / raw BullMQ part of bench:queue (quicker,
 * and what `node --cpu-prof --import tsx tests/bench/fifo-bench.ts` profiles). Needs REDIS_URL.
 * BENCH_RUNS (default 3) rounds per workload; BENCH_WORKLOADS=throughput,contended picks them;
 * BENCH_FIFO_JOBS (default 10000) jobs per throughput run.
 */
import { deleteRedisKeys } from "../support/redis-keys";
import { redisUrl, uniqueSuffix } from "../support/services";
import { CONTENDED, compareFifoAndRaw, THROUGHPUT } from "./fifo-compare";
import { machineLine } from "./stats";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const WORKLOADS = (process.env.BENCH_WORKLOADS ?? "throughput,contended").split(",");

async function main(): Promise<void> {
  if (!redisUrl) {
    console.error("needs REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6379)");
    process.exit(1);
  }
  const prefix = `cloudops-bench:${uniqueSuffix()}`;
  console.log(machineLine());
  console.log(`Redis ${redisUrl}; ${RUNS} interleaved runs per side`);
  let violations = 0;
  try {
    const common = { redisUrl, concurrency: 8, runs: RUNS };
    if (WORKLOADS.includes("throughput"))
      violations += await compareFifoAndRaw({
        ...common,
        prefix: `${prefix}:tp`,
        workload: THROUGHPUT,
        label: "Throughput",
      });
    if (WORKLOADS.includes("contended"))
      violations += await compareFifoAndRaw({
        ...common,
        prefix: `${prefix}:order`,
        workload: CONTENDED,
        label: "Order under contention",
      });
  } finally {
    await deleteRedisKeys(redisUrl, prefix);
  }
  if (violations > 0) {
    console.error(`\nThe FIFO engine broke per-entity order ${violations} time(s).`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
