/**
 * npm run bench:bot — prints figures, asserts nothing about time.
 * Three processes per run: the whole CloudOps runtime (ROLE=all, SQLite, memory queue, demo cluster,
 * tests/bench/bot-server.ts of its side's tree), the fake Bot Connector and the load client (both from
 * this tree). Each round, BENCH_CONVERSATIONS (default 20) conversations send a command at once, then
 * press Cancel on the card each got; every other round the connector answers 429 to every call while
 * the presses are made. Figures per run:
 * - first reply: activity POST → the card reply reaching the connector (each command starts a task);
 * - Cancel press → its invoke answer, connector unthrottled and throttled;
 * - Cancel press → the final card update (the card replaced for everyone, showing Cancelled) reaching
 *   the connector, unthrottled and throttled (the latter waits out the 429s);
 * - the runtime's CPU time (user + system, /proc) per activity over the load.
 * BENCH_RUNS (default 3) runs per side, interleaved; median and range over runs of each figure.
 * BENCH_BASELINE=<another checkout of this repository with node_modules> adds its runtime as a second
 * side (before/after a change in one run). BENCH_CPU_PROF=<dir> profiles the runtimes (--cpu-prof);
 * BENCH_SPANS=1 prints where this side's turns spend their time (tracing on, so slower).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { npmStartFlags } from "./npm-start";
import { procStats } from "./server-process";
import { formatSummary, interleaved, machineLine, percentile, summarise } from "./stats";

const ROOT = resolve(import.meta.dirname, "../..");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BASELINE = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : null;
const CPU_PROF = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : null;
const SPANS = process.env.BENCH_SPANS === "1";

const KINDS = {
  message: "activity POST → first reply (card) at the connector",
  invoke: "Cancel press → invoke answer, connector unthrottled",
  "invoke-throttled": "Cancel press → invoke answer, connector answering 429 to every call",
  final: "Cancel press → final card update at the connector, unthrottled",
  "final-throttled": "Cancel press → final card update, throttled until the presses are answered",
} as const;
type Kind = keyof typeof KINDS;

interface RunResult {
  samples: Map<string, number[]>;
  /** Runtime CPU ms (user + system) per activity the load client sent. */
  cpuMsPerActivity: number;
  missing: number;
  spans?: string;
}

/** A bench process; the runtime (`isRuntime`) gets `npm start`'s node flags, as users run it, and the profiler. */
function node(cwd: string, script: string, args: string[], isRuntime: boolean, extraEnv = {}) {
  const flags = isRuntime ? npmStartFlags(cwd) : [];
  if (isRuntime && CPU_PROF) flags.push("--cpu-prof", `--cpu-prof-dir=${CPU_PROF}`);
  return spawn(process.execPath, [...flags, "--import", "tsx", script, ...args], {
    cwd,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, LOG_LEVEL: "silent", ...extraEnv },
  });
}

/** Resolves with the words after `<prefix> ` on the first such stdout line of `child`. */
function lineOf(child: ChildProcess, prefix: string): Promise<string[]> {
  return new Promise((resolveLine, reject) => {
    if (!child.stdout) return reject(new Error("no stdout"));
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (line.startsWith(`${prefix} `)) resolveLine(line.slice(prefix.length + 1).split(" "));
    });
    child.once("exit", (code) => reject(new Error(`a bench process exited with ${code} before ${prefix}`)));
  });
}

const stop = (child: ChildProcess) =>
  new Promise((done) => {
    if (child.exitCode !== null) return done(undefined);
    child.once("exit", done);
    child.kill("SIGTERM");
  });

async function runOnce(root: string, withSpans: boolean): Promise<RunResult> {
  const server = node(root, "tests/bench/bot-server.ts", [], true, withSpans ? { BENCH_SPANS: "1" } : {});
  const connector = node(ROOT, "tests/bench/bot-connector.ts", [], false);
  const spans = withSpans ? lineOf(server, "SPANS") : Promise.resolve(undefined);
  try {
    const [[port], [connectorUrl, controlUrl]] = await Promise.all([
      lineOf(server, "READY"),
      lineOf(connector, "READY"),
    ]);
    const pid = server.pid ?? 0;
    const before = procStats(pid).cpuSeconds;
    const load = node(
      ROOT,
      "tests/bench/bot-load.ts",
      [`http://127.0.0.1:${port}`, connectorUrl ?? "", controlUrl ?? ""],
      false,
    );
    const samples = new Map<string, number[]>();
    let activities = 0;
    let missing = 0;
    createInterface({ input: load.stdout as NonNullable<typeof load.stdout> }).on("line", (line) => {
      try {
        const sample = JSON.parse(line) as { kind: string; ms?: number; activities?: number };
        if (sample.kind === "activities") activities = sample.activities ?? 0;
        else if (sample.kind === "missing") missing++;
        else samples.set(sample.kind, [...(samples.get(sample.kind) ?? []), sample.ms ?? Number.NaN]);
      } catch {
        console.log(line);
      }
    });
    const code = await new Promise<number | null>((done) => load.once("exit", done));
    if (code !== 0) throw new Error(`the load client exited with ${code}`);
    const cpuMs = (procStats(pid).cpuSeconds - before) * 1000;
    await stop(server);
    const spanLine = await spans;
    return {
      samples,
      cpuMsPerActivity: activities > 0 ? cpuMs / activities : Number.NaN,
      missing,
      ...(spanLine ? { spans: spanLine.join(" ") } : {}),
    };
  } finally {
    await Promise.all([stop(server), stop(connector)]);
  }
}

console.log(machineLine());
console.log(
  `bench:bot — ${process.env.BENCH_CONVERSATIONS ?? 20} conversations at once, ${process.env.BENCH_ROUNDS ?? 6} rounds, ${RUNS} runs per side interleaved; runtime, connector and load client in separate processes`,
);
const sides = [
  { name: "this", run: () => runOnce(ROOT, SPANS) },
  ...(BASELINE ? [{ name: "baseline", run: () => runOnce(BASELINE, false) }] : []),
];
const results = await interleaved(sides, RUNS, (name, result, round) => {
  const p95 = (kind: Kind) => percentile(result.samples.get(kind) ?? [], 95).toFixed(0);
  console.log(
    `  run ${round} ${name}: first reply p95 ${p95("message")} ms, invoke p95 ${p95("invoke")} / throttled ${p95("invoke-throttled")} ms, final update p95 ${p95("final")} / throttled ${p95("final-throttled")} ms, CPU ${result.cpuMsPerActivity.toFixed(1)} ms/activity${result.missing ? `, ${result.missing} final updates missing` : ""}`,
  );
});

console.log("median (range) over runs; ms");
for (const [kind, label] of Object.entries(KINDS)) {
  console.log(`  ${label}`);
  for (const { name } of sides) {
    const runs = results.get(name) ?? [];
    const count = runs[0]?.samples.get(kind)?.length ?? 0;
    const of = (p: number) => summarise(runs.map((r) => percentile(r.samples.get(kind) ?? [], p)));
    console.log(
      `    ${name.padEnd(8)} p50 ${formatSummary(of(50))}   p95 ${formatSummary(of(95))}   (${count} samples a run)`,
    );
  }
}
console.log("  runtime CPU per activity (user + system)");
for (const { name } of sides) {
  const runs = results.get(name) ?? [];
  console.log(`    ${name.padEnd(8)} ${formatSummary(summarise(runs.map((r) => r.cpuMsPerActivity)), 1)} ms`);
}
if (BASELINE) {
  // Each run against the baseline run of its own round: the machine's load drifts between rounds.
  const mine = results.get("this") ?? [];
  const theirs = results.get("baseline") ?? [];
  const ratio = (f: (r: RunResult) => number) =>
    formatSummary(summarise(mine.map((r, i) => f(r) / f(theirs[i] ?? r))), 2);
  console.log("this ÷ baseline, same round, median (range):");
  for (const kind of Object.keys(KINDS))
    console.log(`  ${kind.padEnd(16)} p95 ${ratio((r) => percentile(r.samples.get(kind) ?? [], 95))}`);
  console.log(`  ${"CPU/activity".padEnd(16)}     ${ratio((r) => r.cpuMsPerActivity)}`);
}
if (SPANS) {
  console.log("where the turns of this side spend their time (spans, tracing on; last run):");
  const last = results.get("this")?.at(-1)?.spans;
  for (const row of JSON.parse(last ?? "[]") as Array<{
    name: string;
    count: number;
    p50: number;
    p95: number;
  }>)
    console.log(
      `  ${row.name.padEnd(40)} ${String(row.count).padStart(6)}   p50 ${row.p50.toFixed(1)}   p95 ${row.p95.toFixed(1)}`,
    );
}
