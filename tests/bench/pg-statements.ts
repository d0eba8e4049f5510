/**
 * `npx tsx tests/bench/pg-statements.ts`: where PostgreSQL's time goes in one end-to-end run. Starts a
 * private cluster (initdb, fsync on like the shared server) with pg_stat_statements preloaded, which
 * the shared server lacks, runs the task engine end to end against it in its own process
 * (task-engine-child.ts) and prints each statement's calls per task and its execution and planning
 * time, most expensive first. The times are the server's wall clock: on a busy 2-core machine they
 * include waiting for a core, so compare statements with each other rather than with other runs.
 * BENCH_TASKS (default 3000), BENCH_ENGINE (bullmq with REDIS_URL, else memory), BENCH_CONCURRENCY
 * (default 8), BENCH_TOP (default 12).
 */
import pg from "pg";
import { startPrivatePostgres } from "../support/private-postgres";
import { redisUrl, uniqueSuffix } from "../support/services";
import { machineLine } from "./stats";
import { benchTaskEngineInChild } from "./task-engine";

const TASKS = Number(process.env.BENCH_TASKS ?? 3000);
const ENGINE = process.env.BENCH_ENGINE === "memory" || !redisUrl ? "memory" : "bullmq";
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const TOP = Number(process.env.BENCH_TOP ?? 12);

interface StatementRow {
  calls: string;
  exec_ms: number;
  plan_ms: number;
  query: string;
}

/** Statements called at least once per ten tasks: the migrations and the set-up fall below. */
const REPORT = `select calls, total_exec_time as exec_ms, total_plan_time as plan_ms, query
  from pg_stat_statements where calls >= $1 order by total_exec_time + total_plan_time desc limit $2`;

async function main(): Promise<void> {
  const cluster = await startPrivatePostgres({
    settings: [
      "fsync=on",
      "shared_preload_libraries=pg_stat_statements",
      "pg_stat_statements.track=all",
      "pg_stat_statements.track_planning=on",
    ],
  });
  const client = new pg.Client({ connectionString: cluster.url });
  try {
    await client.connect();
    await client.query("create extension pg_stat_statements");
    console.log(machineLine());
    console.log(
      `PostgreSQL + ${ENGINE}, ${TASKS} tasks (3 no-op steps each) over 50 entities, concurrency ${CONCURRENCY}, private cluster with pg_stat_statements`,
    );
    // The child's test database goes on this cluster (services.ts reads DATABASE_URL).
    process.env.DATABASE_URL = cluster.url;
    await client.query("select pg_stat_statements_reset()");
    const run = await benchTaskEngineInChild({
      dialect: "postgres",
      engine: ENGINE,
      redisUrl: redisUrl ?? "",
      prefix: `cloudops-bench:${uniqueSuffix()}`,
      workload: { jobs: TASKS, entities: 50 },
      concurrency: CONCURRENCY,
    });
    console.log(
      `${run.tasksPerSecond.toFixed(0)} tasks/s, ${run.cpuMsPerTask.toFixed(2)} ms of the bench process's CPU a task`,
    );
    const { rows } = await client.query<StatementRow>(REPORT, [Math.ceil(TASKS / 10), TOP]);
    const total = rows.reduce((sum, row) => sum + row.exec_ms + row.plan_ms, 0);
    console.log("calls/task  exec µs/call  plan µs/call  ms/task   share  statement");
    for (const row of rows) {
      const calls = Number(row.calls);
      const ms = row.exec_ms + row.plan_ms;
      console.log(
        [
          (calls / TASKS).toFixed(2).padStart(10),
          ((row.exec_ms * 1000) / calls).toFixed(0).padStart(13),
          ((row.plan_ms * 1000) / calls).toFixed(0).padStart(13),
          (ms / TASKS).toFixed(3).padStart(8),
          `${((100 * ms) / total).toFixed(0)}%`.padStart(7),
          ` ${row.query.replace(/\s+/g, " ").slice(0, 110)}`,
        ].join(" "),
      );
    }
    console.log(`(share: of the ${(total / TASKS).toFixed(2)} ms a task of the statements listed)`);
  } finally {
    await client.end().catch(() => undefined);
    await cluster.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
