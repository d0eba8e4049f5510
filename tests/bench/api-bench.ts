// `npm run bench:api`: for each database (SQLite; PostgreSQL when DATABASE_URL is set) and each size
// (BENCH_SIZES, default 1000,10000,50000 tasks) starts the API in its own process, loads it from a
// separate autocannon process, and prints median and range of every route beside the trivial route.
// Measured, never asserted (figures depend on the machine).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
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

async function bench(db: string, tasks: number): Promise<void> {
  const env = { BENCH_DB: db, BENCH_TASKS: String(tasks) };
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

  console.log(`\n${db}, ${tasks} tasks`);
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
}

console.log(machineLine());
console.log(
  `autocannon in its own process, ${process.env.BENCH_CONNECTIONS ?? 64} connections, ${process.env.BENCH_SECONDS ?? 5} s a run, ${process.env.BENCH_RUNS ?? 3} runs per route interleaved`,
);
for (const db of DATABASES) for (const tasks of SIZES) await bench(db, tasks);
