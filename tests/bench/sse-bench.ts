/**
 * npm run bench:sse — prints figures, asserts nothing about time.
 * The compiled server (`node start.mjs`, ROLE=all, SQLite, memory queue) in one process, BENCH_CLIENTS
 * (default 200,1000,5000) connections to GET /api/tasks/sse from load clients in other processes
 * (sse-client.ts; BENCH_CLIENT_PROCS of them, default one per 1,000 clients, so the load client's own
 * parsing does not dominate). With every client connected, BENCH_TASKS tasks (default 20, 3 steps each)
 * run and every client receives every event: delivery latency is the moment a load client reads the
 * chunk holding the frame minus the event's `at` (stamped by the journal before its commit; one clock,
 * every process on this machine), p50/p95/p99 over all deliveries of all processes; server CPU is its
 * user+system time over the window; RSS is the server's peak (sampled every 100 ms), heap and
 * external memory its process.memoryUsage() once the tasks ended. A fresh server per run; sizes
 * interleaved, BENCH_RUNS (default 3) each, median and range. BENCH_BASELINE=<another checkout of this
 * repository, with start.mjs and node_modules> adds its server as a second side of every size,
 * interleaved with this one (before/after a change, same run). BENCH_CPU_PROF=<dir> runs every server
 * under `node --cpu-prof` (profiles in <dir>/<side>-<clients>-<round>/) and stops it cleanly.
 */

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../support/process";
import { npmStartFlags } from "./npm-start";
import { procStats, sleep, WORKLOADS } from "./server-process";
import { formatSummary, interleaved, machineLine, summarise } from "./stats";

const ROOT = resolve(import.meta.dirname, "../..");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TASKS = Number(process.env.BENCH_TASKS ?? 20);
const SIZES = (process.env.BENCH_CLIENTS ?? "200,1000,5000").split(",").map(Number);
const CPU_PROF = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : null;
const clientProcesses = (clients: number) =>
  Math.max(1, Number(process.env.BENCH_CLIENT_PROCS ?? Math.ceil(clients / 1000)));

// Loaded into the server before its own code: on SIGUSR2, a full GC (--expose-gc) and then
// process.memoryUsage() to stderr, so the heap figure is what the connections hold, not garbage.
const MEMORY_PROBE = `data:text/javascript,${encodeURIComponent(
  "process.on('SIGUSR2',()=>{globalThis.gc?.();process.stderr.write('MEM '+JSON.stringify(process.memoryUsage())+'\\n')})",
)}`;

interface SseResult {
  p50: number;
  p95: number;
  p99: number;
  deliveries: number;
  cpuSeconds: number;
  peakRssMb: number;
  heapMb: number;
  externalMb: number;
  clientCpuSeconds: number;
  refused: number;
}

interface ClientReport {
  open: number;
  failed: number;
  deliveries: number;
  cpuSeconds: number;
  histogram: Array<[number, number]>;
}

/** Resolves with the first stdout line of `child` that starts with `prefix`. */
function lineFrom(child: ChildProcess, prefix: string, timeoutMs: number): Promise<string> {
  return new Promise((resolveLine, reject) => {
    let buffered = "";
    const timer = setTimeout(() => reject(new Error(`no "${prefix}" line in ${timeoutMs} ms`)), timeoutMs);
    child.stdout?.on("data", (d) => {
      buffered += d;
      const line = buffered.split("\n").find((l) => l.startsWith(prefix));
      if (line !== undefined && buffered.includes(`${line}\n`)) {
        clearTimeout(timer);
        resolveLine(line);
      }
    });
  });
}

async function stopped(child: ChildProcess, signal: NodeJS.Signals, graceMs = 0): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill(signal);
  if (graceMs > 0) {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
    return;
  }
  await exited;
}

/** Percentiles over the merged histograms of every load client process. */
function percentiles(reports: ClientReport[]): Pick<SseResult, "p50" | "p95" | "p99" | "deliveries"> {
  const merged = new Map<number, number>();
  for (const report of reports)
    for (const [ms, count] of report.histogram) merged.set(ms, (merged.get(ms) ?? 0) + count);
  const sorted = [...merged.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((sum, [, count]) => sum + count, 0);
  const at = (p: number) => {
    const rank = Math.min(total - 1, Math.floor((p / 100) * total));
    let seen = 0;
    for (const [ms, count] of sorted) {
      seen += count;
      if (seen > rank) return ms;
    }
    return Number.NaN;
  };
  return { p50: at(50), p95: at(95), p99: at(99), deliveries: total };
}

async function runOnce(clients: number, root: string, profileDir: string | null): Promise<SseResult> {
  const dir = mkdtempSync(join(tmpdir(), "cloudops-bench-sse-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const flags = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const server = spawn(
    process.execPath,
    [...npmStartFlags(root), ...flags, "--expose-gc", "--import", MEMORY_PROBE, "start.mjs"],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        PORT: String(port),
        HOST: "127.0.0.1",
        DATA_DIR: dir,
        LOG_LEVEL: "error",
        DEMO_STEP_DELAY_MS: "50",
        RATE_LIMIT_PER_MINUTE: "100000",
      },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let memory: { heapUsed: number; external: number } | null = null;
  let stderr = "";
  server.stderr?.on("data", (d: Buffer) => {
    stderr += d;
    let nl = stderr.indexOf("\n");
    while (nl >= 0) {
      const line = stderr.slice(0, nl);
      stderr = stderr.slice(nl + 1);
      if (line.startsWith("MEM ")) memory = JSON.parse(line.slice(4));
      else process.stderr.write(`${line}\n`);
      nl = stderr.indexOf("\n");
    }
  });
  const loadClients: ChildProcess[] = [];
  try {
    while (
      !(await fetch(`${url}/health/live`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (server.exitCode !== null) throw new Error("the server exited before it was ready");
      await sleep(50);
    }
    const pid = server.pid ?? 0;
    const processes = clientProcesses(clients);
    for (let i = 0; i < processes; i++) {
      const share = Math.floor(clients / processes) + (i < clients % processes ? 1 : 0);
      loadClients.push(
        spawn(process.execPath, ["--import", "tsx", "tests/bench/sse-client.ts"], {
          cwd: ROOT,
          env: { ...process.env, BENCH_URL: url, BENCH_CLIENTS: String(share) },
          stdio: ["ignore", "pipe", "inherit"],
        }),
      );
    }
    const connected = await Promise.all(loadClients.map((c) => lineFrom(c, "CONNECTED", 300_000)));
    const refused = connected.reduce((sum, line) => sum + Number(line.split(" ")[2] ?? 0), 0);
    let peakRssMb = procStats(pid).rssMb;
    const sampler = setInterval(() => {
      peakRssMb = Math.max(peakRssMb, procStats(pid).rssMb);
    }, 100);
    const cpuBefore = procStats(pid).cpuSeconds;
    const ids: string[] = [];
    for (let i = 0; i < TASKS; i++) {
      const res = await fetch(`${url}/api/k8s/workloads/${WORKLOADS[i % WORKLOADS.length]}:restart`, {
        method: "POST",
      });
      ids.push(((await res.json()) as { taskId: string }).taskId);
    }
    for (const id of ids) {
      for (;;) {
        const task = (await (await fetch(`${url}/api/tasks/${id}`)).json()) as { status: string };
        if (!["queued", "running"].includes(task.status)) break;
        await sleep(200);
      }
    }
    // Let the last events reach every client.
    await sleep(2000);
    clearInterval(sampler);
    const cpuSeconds = procStats(pid).cpuSeconds - cpuBefore;
    server.kill("SIGUSR2");
    const reports = loadClients.map((c) => lineFrom(c, "{", 60_000));
    for (const c of loadClients) c.kill("SIGTERM");
    const parsed = (await Promise.all(reports)).map((r) => JSON.parse(r) as ClientReport);
    const delivered = percentiles(parsed);
    for (let waited = 0; memory === null && waited < 5000; waited += 50) await sleep(50);
    const seen = memory as { heapUsed: number; external: number } | null;
    return {
      ...delivered,
      cpuSeconds,
      peakRssMb,
      heapMb: seen ? seen.heapUsed / 2 ** 20 : Number.NaN,
      externalMb: seen ? seen.external / 2 ** 20 : Number.NaN,
      clientCpuSeconds: parsed.reduce((sum, r) => sum + r.cpuSeconds, 0),
      refused,
    };
  } finally {
    for (const c of loadClients) await stopped(c, "SIGKILL");
    // A profiled server writes its profile on a clean exit.
    if (profileDir) await stopped(server, "SIGTERM", 30_000);
    else await stopped(server, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(machineLine());
console.log(
  `compiled server (ROLE=all, SQLite, memory queue); load clients in their own processes (one per 1,000 clients unless BENCH_CLIENT_PROCS); ${TASKS} tasks per run; clients ${SIZES.join("/")}, ${RUNS} runs each interleaved`,
);
const BASELINE = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : null;
const roots = BASELINE ? { this: ROOT, baseline: BASELINE } : { this: ROOT };
// The baseline's own start.mjs builds it when needed (an older one may not know --build-only).
execFileSync(process.execPath, ["start.mjs", "--build-only"], { cwd: ROOT, stdio: "inherit" });
let profiles = 0;
const results = await interleaved(
  SIZES.flatMap((n) =>
    Object.entries(roots).map(([side, root]) => ({
      name: BASELINE ? `${n} ${side}` : String(n),
      run: () => runOnce(n, root, CPU_PROF && join(CPU_PROF, `${side}-${n}-${++profiles}`)),
    })),
  ),
  RUNS,
  (name, r, round) =>
    console.log(
      `  run ${round} ${name} clients: p95 ${r.p95} ms, ${r.deliveries} deliveries, ${r.refused} refused, peak RSS ${r.peakRssMb.toFixed(0)} MB`,
    ),
);
for (const [clients, runs] of results) {
  const f = (pick: (r: SseResult) => number, digits = 0) => formatSummary(summarise(runs.map(pick)), digits);
  console.log(
    `${clients.padStart(14)} clients: delivery ms p50 ${f((r) => r.p50)} · p95 ${f((r) => r.p95)} · p99 ${f((r) => r.p99)}` +
      ` · server CPU s ${f((r) => r.cpuSeconds, 2)} · peak RSS MB ${f((r) => r.peakRssMb)}` +
      ` · heap MB ${f((r) => r.heapMb)} · external MB ${f((r) => r.externalMb)} · deliveries ${f((r) => r.deliveries)}` +
      ` · load clients' CPU s since connected ${f((r) => r.clientCpuSeconds, 2)}`,
  );
}
