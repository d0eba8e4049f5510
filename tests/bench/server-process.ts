import { readFileSync } from "node:fs";

// Helpers of the benches that start the server as a child process (bench:start, bench:sse).

/** Workloads of the simulated cluster (worker/adapters/kubernetes/simulator.ts): restarts that succeed. */
export const WORKLOADS = [
  "prod/web",
  "prod/worker",
  "shop/web",
  "shop/api",
  "shop/cart",
  "staging/api",
  "staging/web",
  "dev/api",
] as const;

const TICKS_PER_SECOND = 100;

/** CPU time (user + system) and resident set of one process, from /proc (Linux). */
export function procStats(pid: number): { cpuSeconds: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
  return { cpuSeconds: ticks / TICKS_PER_SECOND, rssMb: rssKb / 1024 };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
