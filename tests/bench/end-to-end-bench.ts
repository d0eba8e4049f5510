/**
 * The end-to-end section of bench:queue alone: `npx tsx tests/bench/end-to-end-bench.ts`.
 * Needs REDIS_URL; DATABASE_URL (postgres://) adds PostgreSQL; BENCH_BASELINE adds a baseline side
 * (see end-to-end.ts); BENCH_RUNS (default 3), BENCH_TASKS (default 500), BENCH_CONCURRENCY (default 8).
 */
import { deleteRedisKeys } from "../support/redis-keys";
import { postgresUrl, redisUrl, uniqueSuffix } from "../support/services";
import { compareEndToEnd, END_TO_END_CONCURRENCY } from "./end-to-end";
import { machineLine } from "./stats";

if (!redisUrl) {
  console.error("needs REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6379)");
  process.exit(1);
}
const prefix = `cloudops-bench:${uniqueSuffix()}`;
console.log(machineLine());
try {
  await compareEndToEnd({
    redisUrl,
    postgres: Boolean(postgresUrl),
    prefix,
    runs: Number(process.env.BENCH_RUNS ?? 3),
    concurrency: END_TO_END_CONCURRENCY,
    workload: { jobs: Number(process.env.BENCH_TASKS ?? 500), entities: 50 },
  });
  if (!postgresUrl) console.log("  (set DATABASE_URL=postgres://... for the PostgreSQL figures)");
} finally {
  await deleteRedisKeys(redisUrl, prefix);
}
process.exit(0);
