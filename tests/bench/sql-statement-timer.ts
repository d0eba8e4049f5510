/**
 * Where a process's SQL time goes, statement by statement: a preload for any bench process, e.g.
 *   node --import tsx --import ./tests/bench/sql-statement-timer.ts tests/bench/task-engine-child.ts …
 * At exit it prints to stderr, per SQL text (first 110 characters), how many times it ran and the time
 * spent in it: for SQLite the synchronous native call (libsql's run, get and all: SQLite's own work,
 * COMMIT included), for PostgreSQL the round trip of each query (pg's Client.query until it settles,
 * which is the server's time plus the wait, not this process's CPU), with the median, the 99th
 * percentile and the slowest call (a mean far above its median is a few long calls: a WAL
 * checkpoint inside a COMMIT, say). Divide the counts by the tasks of the run for statements per
 * task. The profiles behind docs/performance.md were read with this
 * beside `node --cpu-prof`.
 */
import { createRequire } from "node:module";
import { libsqlDatabaseClass } from "../../db/libsql-statement-cache";
import { percentile } from "./stats";

interface Tally {
  calls: number;
  micros: number;
  /** Every call's µs, for the median, the 99th percentile and the slowest. */
  each: number[];
}
const tallies = new Map<string, Tally>();
const keyOf = (prefix: string, text: string) => `${prefix}${text.replace(/\s+/g, " ").trim().slice(0, 110)}`;
function count(key: string, started: bigint): void {
  const tally = tallies.get(key) ?? { calls: 0, micros: 0, each: [] };
  const micros = Number(process.hrtime.bigint() - started) / 1000;
  tally.calls++;
  tally.micros += micros;
  tally.each.push(micros);
  tallies.set(key, tally);
}

// SQLite: tag each prepared statement with its text, time the calls that run it.
type Statement = Record<"run" | "get" | "all", (...params: unknown[]) => unknown> & { sqlText?: string };
const Database = libsqlDatabaseClass() as unknown as {
  new (path: string): { prepare(sql: string): Statement };
  prototype: { prepare(sql: string): Statement };
};
const prepare = Database.prototype.prepare;
Database.prototype.prepare = function (this: unknown, sql: string) {
  const statement = prepare.call(this, sql);
  statement.sqlText = sql;
  return statement;
};
const statementPrototype = Object.getPrototypeOf(new Database(":memory:").prepare("select 1")) as Statement;
for (const method of ["run", "get", "all"] as const) {
  const original = statementPrototype[method];
  statementPrototype[method] = function (this: Statement, ...params: unknown[]) {
    const started = process.hrtime.bigint();
    try {
      return original.apply(this, params);
    } finally {
      count(keyOf("sqlite ", this.sqlText ?? "?"), started);
    }
  };
}

// PostgreSQL, when pg is installed: each query's round trip, promise or callback form.
try {
  const pg = createRequire(import.meta.url)("pg") as {
    Client: { prototype: { query: (...args: unknown[]) => unknown } };
  };
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    const [config] = args;
    const text = typeof config === "string" ? config : ((config as { text?: string })?.text ?? "?");
    const key = keyOf("pg round trip ", text);
    const started = process.hrtime.bigint();
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === "function") {
      args[last] = (...results: unknown[]) => {
        count(key, started);
        return callback(...results);
      };
      return query.apply(this, args);
    }
    const result = query.apply(this, args);
    if (result instanceof Promise)
      result.then(
        () => count(key, started),
        () => count(key, started),
      );
    return result;
  };
} catch {
  // No pg: SQLite only.
}

process.on("exit", () => {
  const rows = [...tallies].sort((a, b) => b[1].micros - a[1].micros);
  const calls = rows.reduce((sum, [, t]) => sum + t.calls, 0);
  const micros = rows.reduce((sum, [, t]) => sum + t.micros, 0);
  const lines = [
    `SQL statements: ${calls} calls, ${(micros / 1000).toFixed(0)} ms`,
    "  calls   total ms  µs each   median      p99   slowest  statement",
  ];
  for (const [key, t] of rows.slice(0, 40)) {
    const median = percentile(t.each, 50);
    const p99 = percentile(t.each, 99);
    const slowest = percentile(t.each, 100);
    lines.push(
      `${String(t.calls).padStart(7)} ${(t.micros / 1000).toFixed(0).padStart(10)} ${(t.micros / t.calls).toFixed(1).padStart(8)} ${median.toFixed(1).padStart(8)} ${p99.toFixed(0).padStart(8)} ${slowest.toFixed(0).padStart(9)}  ${key}`,
    );
  }
  process.stderr.write(`${lines.join("\n")}\n`);
});
