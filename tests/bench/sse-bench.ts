/**
 * npm run bench:sse — prints figures, asserts nothing about time.
 * The compiled server (`node start.mjs`, ROLE=all, SQLite, memory queue) in one process, BENCH_CLIENTS
 * (default 200,1000,5000) connections to GET /api/tasks/sse from a load client in another process
 * (sse-client.ts). With every client connected, BENCH_TASKS tasks (default 20, 3 steps each) run and
 * every client receives every event: delivery latency is arrival time minus the event's `at` (one
 * clock: both processes on this machine), p50/p95/p99 over all deliveries; server CPU is its user+system
 * time over the window; RSS is the server's peak (sampled every 100 ms). A fresh server per run;
 * sizes interleaved, BENCH_RUNS (default 3) each, median and range. BENCH_BASELINE=<another checkout
 * of this repository, with start.mjs and node_modules> adds its server as a second side of every size,
 * interleaved with this one (before/after a change, same run).
 */

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../support/process";
import { procStats, sleep, WORKLOADS } from "./server-process";
import { formatSummary, interleaved, machineLine, summarise } from "./stats";

const ROOT = resolve(import.meta.dirname, "../..");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TASKS = Number(process.env.BENCH_TASKS ?? 20);
const SIZES = (process.env.BENCH_CLIENTS ?? "200,1000,5000").split(",").map(Number);

interface SseResult {
  p50: number;
  p95: number;
  p99: number;
  deliveries: number;
  cpuSeconds: number;
  peakRssMb: number;
  refused: number;
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

async function stopped(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill(signal);
  await exited;
}

async function runOnce(clients: number, root: string): Promise<SseResult> {
  const dir = mkdtempSync(join(tmpdir(), "cloudops-bench-sse-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawn(process.execPath, ["start.mjs"], {
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
    stdio: ["ignore", "ignore", "inherit"],
  });
  let client: ChildProcess | null = null;
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
    client = spawn(process.execPath, ["--import", "tsx", "tests/bench/sse-client.ts"], {
      cwd: ROOT,
      env: { ...process.env, BENCH_URL: url, BENCH_CLIENTS: String(clients) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const connected = await lineFrom(client, "CONNECTED", 300_000);
    const refused = Number(connected.split(" ")[2] ?? 0);
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
    const report = lineFrom(client, "{", 60_000);
    client.kill("SIGTERM");
    const delivered = JSON.parse(await report) as Pick<SseResult, "p50" | "p95" | "p99" | "deliveries">;
    return {
      ...delivered,
      cpuSeconds,
      peakRssMb,
      refused,
    };
  } finally {
    if (client) await stopped(client, "SIGKILL");
    await stopped(server, "SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(machineLine());
console.log(
  `compiled server (ROLE=all, SQLite, memory queue) and a load client in its own process; ${TASKS} tasks per run; clients ${SIZES.join("/")}, ${RUNS} runs each interleaved`,
);
const BASELINE = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : null;
const roots = BASELINE ? { this: ROOT, baseline: BASELINE } : { this: ROOT };
// The baseline's own start.mjs builds it when needed (an older one may not know --build-only).
execFileSync(process.execPath, ["start.mjs", "--build-only"], { cwd: ROOT, stdio: "inherit" });
const results = await interleaved(
  SIZES.flatMap((n) =>
    Object.entries(roots).map(([side, root]) => ({
      name: BASELINE ? `${n} ${side}` : String(n),
      run: () => runOnce(n, root),
    })),
  ),
  RUNS,
  (name, r, round) =>
    console.log(
      `  run ${round} ${name} clients: p95 ${r.p95} ms, ${r.deliveries} deliveries, ${r.refused} refused`,
    ),
);
for (const [clients, runs] of results) {
  const f = (pick: (r: SseResult) => number, digits = 0) => formatSummary(summarise(runs.map(pick)), digits);
  console.log(
    `${clients.padStart(14)} clients: delivery ms p50 ${f((r) => r.p50)} · p95 ${f((r) => r.p95)} · p99 ${f((r) => r.p99)}` +
      ` · server CPU s ${f((r) => r.cpuSeconds, 2)} · peak RSS MB ${f((r) => r.peakRssMb)} · deliveries ${f((r) => r.deliveries)}`,
  );
}
