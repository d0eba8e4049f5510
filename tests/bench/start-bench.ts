/**
 * npm run bench:start — prints figures, asserts nothing about time.
 * Time from spawn to the first 200 of /health/live, RSS when idle (1 s after ready) and RSS after
 * 1,000 tasks, per ROLE (all, api, worker, bot), for the compiled server (`node start.mjs`, what
 * `npm start` runs, bundle already built) against TypeScript through tsx (`node --import tsx main.ts`,
 * what `npm run dev` and the tests run). Each role × side BENCH_RUNS times (default 3), interleaved.
 * A fresh SQLite file per run, no Redis: the api role queues its 1,000 tasks (no worker runs them);
 * the all role runs them (DEMO_STEP_DELAY_MS=0); worker and bot get no tasks over HTTP, so their
 * "after" figure is left out rather than invented.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../support/process";
import { npmStartFlags } from "./npm-start";
import { procStats, sleep, WORKLOADS } from "./server-process";
import { formatSummary, interleaved, machineLine, summarise } from "./stats";

const ROOT = resolve(import.meta.dirname, "../..");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TASKS = Number(process.env.BENCH_TASKS ?? 1000);
const ROLES = (process.env.BENCH_ROLES ?? "all,api,worker,bot").split(",") as Array<
  "all" | "api" | "worker" | "bot"
>;
// BENCH_BASELINE=<another checkout of this repository, with node_modules>: its compiled start is a
// third side, "baseline" (before/after a change in one run). BENCH_SIDES picks sides (e.g. compiled,baseline).
const BASELINE = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : null;
const ALL_SIDES: Record<string, { root: string; args: string[] }> = {
  compiled: { root: ROOT, args: [...npmStartFlags(ROOT), "start.mjs"] },
  tsx: { root: ROOT, args: ["--import", "tsx", "main.ts"] },
  ...(BASELINE ? { baseline: { root: BASELINE, args: [...npmStartFlags(BASELINE), "start.mjs"] } } : {}),
};
const SIDES = Object.fromEntries(
  Object.entries(ALL_SIDES).filter(([name]) =>
    process.env.BENCH_SIDES ? process.env.BENCH_SIDES.split(",").includes(name) : true,
  ),
);

interface StartResult {
  readyMs: number;
  idleRssMb: number;
  afterTasksRssMb: number | null;
}

async function submitTasks(url: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, async (_, j) => {
        const res = await fetch(`${url}/api/k8s/workloads/${WORKLOADS[(i + j) % WORKLOADS.length]}:restart`, {
          method: "POST",
        });
        if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${await res.text()}`);
        return ((await res.json()) as { taskId: string }).taskId;
      }),
    );
    ids.push(...batch);
  }
  return ids;
}

async function waitAllFinished(url: string, count: number): Promise<void> {
  for (;;) {
    const res = await fetch(`${url}/api/tasks?status=queued&limit=1`);
    const running = await fetch(`${url}/api/tasks?status=running&limit=1`);
    const left =
      ((await res.json()) as { items: unknown[] }).items.length +
      ((await running.json()) as { items: unknown[] }).items.length;
    if (left === 0 || count === 0) return;
    await sleep(250);
  }
}

async function runOnce(role: (typeof ROLES)[number], side: string): Promise<StartResult> {
  const chosen = SIDES[side];
  if (!chosen) throw new Error(`no side ${side}`);
  const { root, args } = chosen;
  const dir = mkdtempSync(join(tmpdir(), "cloudops-bench-start-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      ROLE: role,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dir,
      LOG_LEVEL: "error",
      DEMO_STEP_DELAY_MS: "0",
      RATE_LIMIT_PER_MINUTE: "100000",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let errors = "";
  child.stderr?.on("data", (d) => (errors += d));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${side} ROLE=${role} exited early:\n${errors}`);
      const ok = await fetch(`${url}/health/live`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await sleep(10);
    }
    const readyMs = performance.now() - started;
    await sleep(1000);
    const pid = child.pid ?? 0;
    const idleRssMb = procStats(pid).rssMb;
    let afterTasksRssMb: number | null = null;
    if (role === "all" || role === "api") {
      await submitTasks(url, TASKS);
      if (role === "all") await waitAllFinished(url, TASKS);
      await sleep(1000);
      afterTasksRssMb = procStats(pid).rssMb;
    }
    return { readyMs, idleRssMb, afterTasksRssMb };
  } finally {
    child.kill("SIGKILL");
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(machineLine());
console.log(
  `ROLE × {${Object.entries(SIDES)
    .map(
      ([name, side]) => `${name}: node ${side.args.join(" ")}${side.root === ROOT ? "" : ` in ${side.root}`}`,
    )
    .join(", ")}}, ${RUNS} runs each interleaved, SQLite, memory queue, ${TASKS} tasks for the "after" RSS`,
);
// The compiled sides measure a start with an up-to-date bundle (npm start's usual case); a baseline
// builds with the same flag (start.mjs has had it since the compiled start came in).
execFileSync(process.execPath, ["start.mjs", "--build-only"], { cwd: ROOT, stdio: "inherit" });
if (BASELINE)
  execFileSync(process.execPath, ["start.mjs", "--build-only"], { cwd: BASELINE, stdio: "inherit" });

for (const role of ROLES) {
  const results = await interleaved(
    Object.keys(SIDES).map((side) => ({
      name: side,
      run: () => runOnce(role, side),
    })),
    RUNS,
  );
  for (const [side, runs] of results) {
    const after = runs.flatMap((r) => (r.afterTasksRssMb === null ? [] : [r.afterTasksRssMb]));
    console.log(
      `ROLE=${role.padEnd(6)} ${side.padEnd(8)} ready ms ${formatSummary(summarise(runs.map((r) => r.readyMs)))}` +
        ` · idle RSS MB ${formatSummary(summarise(runs.map((r) => r.idleRssMb)))}` +
        (after.length ? ` · RSS MB after ${TASKS} tasks ${formatSummary(summarise(after))}` : ""),
    );
  }
}
