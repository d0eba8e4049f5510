// `npm run bench:api`: for each database (SQLite; PostgreSQL when DATABASE_URL is set) and each size
// (BENCH_SIZES, default 1000,10000,50000 tasks) starts the API in its own process, loads it from a
// separate autocannon process, and prints median and range of every route beside the trivial route.
// Then, in the same run, the cost of tracing: SQLite with BENCH_TRACE_TASKS tasks (default 1000) once with
// tracing off and once exporting every span over OTLP/HTTP to a local receiver, route by route.
// Measured, never asserted (figures depend on the machine).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { startOtlpReceiver } from "../support/otlp-receiver";
import { postgresUrl } from "../support/services";
import { formatSummary, machineLine, summarise } from "./stats";

const SIZES = (process.env.BENCH_SIZES ?? "1000,10000,50000").split(",").map(Number);
const DATABASES = postgresUrl ? ["sqlite", "postgres"] : ["sqlite"];

type Row = {
  route: string;
  run: number;
  reqPerSec: number;
  p50ms: number;
  p97_5ms: number;
  p99ms: number;
  non2xx: number;
  errors: number;
};

const node = (script: string, args: string[], env: Record<string, string>) =>
  spawn(process.execPath, ["--import", "tsx", script, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, LOG_LEVEL: "silent", ...env },
  });

/** Runs the load against one server; prints its table and returns the median req/s of each route. */
async function bench(
  db: string,
  tasks: number,
  label = `${db}, ${tasks} tasks`,
  extraEnv: Record<string, string> = {},
): Promise<Map<string, number>> {
  const env = { BENCH_DB: db, BENCH_TASKS: String(tasks), ...extraEnv };
  const server = node("tests/bench/api-server.ts", [], env);
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: server.stdout }).on("line", (line) => {
      const m = /^READY (\d+)$/.exec(line);
      if (m) resolve(Number(m[1]));
    });
    server.once("exit", (code) => reject(new Error(`the bench server exited with ${code}`)));
  });
  const load = node("tests/bench/api-load.ts", [`http://127.0.0.1:${port}`], env);
  const rows: Row[] = [];
  createInterface({ input: load.stdout }).on("line", (line) => {
    try {
      rows.push(JSON.parse(line) as Row);
    } catch {
      console.log(line);
    }
  });
  await new Promise((resolve) => load.once("exit", resolve));
  server.kill("SIGTERM");
  await new Promise((resolve) => server.once("exit", resolve));

  console.log(`\n${label}`);
  const trivial = rows.filter((r) => r.route.startsWith("GET /health/live"));
  const trivialRate = summarise(trivial.map((r) => r.reqPerSec)).median;
  const trivialP97 = summarise(trivial.map((r) => r.p97_5ms)).median;
  const table = [...new Set(rows.map((r) => r.route))].map((route) => {
    const mine = rows.filter((r) => r.route === route);
    const rate = summarise(mine.map((r) => r.reqPerSec));
    const p97 = summarise(mine.map((r) => r.p97_5ms));
    return {
      route,
      "req/s median (range)": formatSummary(rate),
      "÷ trivial": (rate.median / trivialRate).toFixed(2),
      "p50 ms": summarise(mine.map((r) => r.p50ms)).median,
      "p97.5 ms": formatSummary(p97, 1),
      "p97.5 ÷ trivial": (p97.median / trivialP97).toFixed(1),
      "non-2xx/errors": mine.reduce((n, r) => n + r.non2xx + r.errors, 0),
    };
  });
  console.table(table);
  const medians = new Map<string, number>();
  for (const route of new Set(rows.map((r) => r.route))) {
    medians.set(route, summarise(rows.filter((r) => r.route === route).map((r) => r.reqPerSec)).median);
  }
  return medians;
}

/** Tracing off against tracing exported over OTLP to a local receiver (a collector stand-in). */
async function benchTracing(): Promise<void> {
  const tasks = Number(process.env.BENCH_TRACE_TASKS ?? 1000);
  const receiver = await startOtlpReceiver({ keepSpans: false });
  try {
    const off = await bench("sqlite", tasks, `sqlite, ${tasks} tasks, tracing off`);
    const on = await bench("sqlite", tasks, `sqlite, ${tasks} tasks, tracing on (OTLP to ${receiver.url})`, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    });
    console.log(`\ntracing cost (spans received by the local OTLP receiver: ${receiver.spanCount})`);
    console.table(
      [...off].map(([route, offRate]) => ({
        route,
        "off req/s": Math.round(offRate),
        "traced req/s": Math.round(on.get(route) ?? 0),
        "traced ÷ off": ((on.get(route) ?? 0) / offRate).toFixed(2),
      })),
    );
  } finally {
    await receiver.close();
  }
}

console.log(machineLine());
console.log(
  `autocannon in its own process, ${process.env.BENCH_CONNECTIONS ?? 64} connections, ${process.env.BENCH_SECONDS ?? 5} s a run, ${process.env.BENCH_RUNS ?? 3} runs per route interleaved`,
);
for (const db of DATABASES) for (const tasks of SIZES) await bench(db, tasks);
await benchTracing();
