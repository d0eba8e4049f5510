// `npm run bench:api`: for each database (SQLite; PostgreSQL when DATABASE_URL is set) and each size
// (BENCH_SIZES, default 1000,10000,50000 tasks) starts the API in its own process, loads it from a
// separate autocannon process, and prints median and range of every route beside the trivial route.
// Then, in the same run, the cost of tracing: SQLite with BENCH_TRACE_TASKS tasks (default 1000) once with
// tracing off and once exporting every span over OTLP/HTTP to a local receiver, route by route.
// BENCH_BASELINE=<checkout> adds a before/after side (see below); BENCH_DATABASES=sqlite|postgres picks
// the databases; BENCH_TRACING=0 skips the tracing comparison.
// Measured, never asserted (figures depend on the machine).
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { startOtlpReceiver } from "../support/otlp-receiver";
import { postgresUrl } from "../support/services";
import { formatSummary, machineLine, summarise } from "./stats";

const SIZES = (process.env.BENCH_SIZES ?? "1000,10000,50000").split(",").map(Number);
const DATABASES = (process.env.BENCH_DATABASES ?? (postgresUrl ? "sqlite,postgres" : "sqlite")).split(",");

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

const ROOT = resolve(import.meta.dirname, "../..");
// BENCH_BASELINE=<another checkout of this repository, with node_modules>: its API server runs as a
// second side of every database and size, its load runs alternating with this one's (before/after a
// change, measured in the same minutes).
const BASELINE = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : null;

const node = (script: string, args: string[], env: Record<string, string>, cwd = ROOT) =>
  spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, LOG_LEVEL: "silent", ...env },
  });

/** Starts tests/bench/api-server.ts of `root`; resolves with its port and a stop function. */
async function startServer(env: Record<string, string>, root = ROOT) {
  const server = node("tests/bench/api-server.ts", [], env, root);
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: server.stdout }).on("line", (line) => {
      const m = /^READY (\d+)$/.exec(line);
      if (m) resolve(Number(m[1]));
    });
    server.once("exit", (code) => reject(new Error(`the bench server exited with ${code}`)));
  });
  return {
    port,
    async stop() {
      server.kill("SIGTERM");
      await new Promise((resolve) => server.once("exit", resolve));
    },
  };
}

/** One autocannon process against `port`: every route BENCH_RUNS (or `runs`) times; its JSON rows. */
async function load(port: number, env: Record<string, string>): Promise<Row[]> {
  const client = node("tests/bench/api-load.ts", [`http://127.0.0.1:${port}`], env);
  const rows: Row[] = [];
  createInterface({ input: client.stdout }).on("line", (line) => {
    try {
      rows.push(JSON.parse(line) as Row);
    } catch {
      console.log(line);
    }
  });
  await new Promise((resolve) => client.once("exit", resolve));
  return rows;
}

/** Prints the table of one server's rows; returns the median req/s of each route. */
function report(label: string, rows: Row[]): Map<string, number> {
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

async function bench(db: string, tasks: number): Promise<void> {
  const env = { BENCH_DB: db, BENCH_TASKS: String(tasks) };
  if (!BASELINE) {
    const server = await startServer(env);
    const rows = await load(server.port, env);
    await server.stop();
    report(`${db}, ${tasks} tasks`, rows);
    return;
  }
  // Both servers up at once, one load run each in turn (the first one alternating, see interleaved()
  // in stats.ts), so load from elsewhere hits both alike.
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const mine = await startServer(env);
  const theirs = await startServer(env, BASELINE);
  const mineRows: Row[] = [];
  const theirRows: Row[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      const loadMine = async () => mineRows.push(...(await load(mine.port, { ...env, BENCH_RUNS: "1" })));
      const loadTheirs = async () =>
        theirRows.push(...(await load(theirs.port, { ...env, BENCH_RUNS: "1" })));
      for (const next of run % 2 === 0 ? [loadMine, loadTheirs] : [loadTheirs, loadMine]) await next();
    }
  } finally {
    await Promise.all([mine.stop(), theirs.stop()]);
  }
  const mineRates = report(`${db}, ${tasks} tasks, this checkout`, mineRows);
  const theirRates = report(`${db}, ${tasks} tasks, baseline ${BASELINE}`, theirRows);
  console.log(`\n${db}, ${tasks} tasks: this ÷ baseline, runs alternating`);
  console.table(
    [...mineRates].map(([route, rate]) => ({
      route,
      "this req/s": Math.round(rate),
      "baseline req/s": Math.round(theirRates.get(route) ?? 0),
      "this ÷ baseline": (rate / (theirRates.get(route) ?? Number.NaN)).toFixed(2),
    })),
  );
}

/**
 * Tracing off against tracing exported over OTLP to a local receiver (a collector stand-in): both
 * servers run at once and their runs alternate, so load from elsewhere on the machine hits both alike.
 */
async function benchTracing(): Promise<void> {
  const tasks = Number(process.env.BENCH_TRACE_TASKS ?? 1000);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const receiver = await startOtlpReceiver({ keepSpans: false });
  const env = { BENCH_DB: "sqlite", BENCH_TASKS: String(tasks), BENCH_RUNS: "1" };
  const off = await startServer(env);
  const on = await startServer({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  const offRows: Row[] = [];
  const onRows: Row[] = [];
  try {
    for (let run = 0; run < runs; run++) {
      offRows.push(...(await load(off.port, env)));
      onRows.push(...(await load(on.port, env)));
    }
  } finally {
    await Promise.all([off.stop(), on.stop()]);
    await receiver.close();
  }
  const offRates = report(`sqlite, ${tasks} tasks, tracing off`, offRows);
  const onRates = report(`sqlite, ${tasks} tasks, tracing on (OTLP to a local receiver)`, onRows);
  console.log(`\ntracing cost, runs alternating (spans received by the receiver: ${receiver.spanCount})`);
  console.table(
    [...offRates].map(([route, offRate]) => ({
      route,
      "off req/s": Math.round(offRate),
      "traced req/s": Math.round(onRates.get(route) ?? 0),
      "traced ÷ off": ((onRates.get(route) ?? 0) / offRate).toFixed(2),
    })),
  );
}

console.log(machineLine());
console.log(
  `autocannon in its own process, ${process.env.BENCH_CONNECTIONS ?? 64} connections, ${process.env.BENCH_SECONDS ?? 5} s a run, ${process.env.BENCH_RUNS ?? 3} runs per route interleaved`,
);
for (const db of DATABASES) for (const tasks of SIZES) await bench(db, tasks);
if (process.env.BENCH_TRACING !== "0") await benchTracing();
