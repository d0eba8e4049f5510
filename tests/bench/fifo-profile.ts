/**
 * One side of the FIFO comparison alone, for `node --cpu-prof --import tsx tests/bench/fifo-profile.ts`:
 * BENCH_SIDE=fifo|raw (default fifo), BENCH_WORKLOADS=throughput|contended, BENCH_RUNS (default 1).
 */
import { deleteRedisKeys } from "../support/redis-keys";
import { redisUrl, uniqueSuffix } from "../support/services";
import { CONTENDED, THROUGHPUT } from "./fifo-compare";
import { benchFifoEngine } from "./fifo-engine";
import { benchRawBullmq } from "./raw-bullmq";

async function main(): Promise<void> {
  if (!redisUrl) throw new Error("needs REDIS_URL");
  const prefix = `cloudops-bench:${uniqueSuffix()}`;
  const workload = process.env.BENCH_WORKLOADS === "contended" ? CONTENDED : THROUGHPUT;
  const bench = process.env.BENCH_SIDE === "raw" ? benchRawBullmq : benchFifoEngine;
  try {
    for (let i = 0; i < Number(process.env.BENCH_RUNS ?? 1); i++)
      console.log(await bench(redisUrl, `${prefix}:${i}`, workload, 8));
  } finally {
    await deleteRedisKeys(redisUrl, prefix);
  }
}

void main();
