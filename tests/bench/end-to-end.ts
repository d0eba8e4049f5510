import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { formatSummary, interleaved, summarise } from "./stats";
import { benchTaskEngineInChild, type TaskEngineRun } from "./task-engine";
import type { Workload } from "./workload";

/**
 * The task engine end to end (submit, deliver, 3 no-op steps through the journal, succeed) on both
 * databases and both queue engines, every run in its own process, interleaved. BENCH_BASELINE=<another
 * checkout of this repository with node_modules> adds that checkout's engine as a second side of every
 * combination, run right after this one in each round, and prints the ratio of the two per round.
 */
/**
 * Tasks a worker runs at once in the end-to-end runs: BENCH_CONCURRENCY, else 8, the product's default
 * (MAX_CONCURRENT_SESSIONS). At 8, each task's chain of writes bounds PostgreSQL + BullMQ as much as
 * the CPU does (docs/performance.md, 2026-12-04), so the figure moves with it.
 */
export const END_TO_END_CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

export async function compareEndToEnd(options: {
  redisUrl: string;
  postgres: boolean;
  prefix: string;
  runs: number;
  concurrency: number;
  workload: Workload;
}): Promise<void> {
  const { workload, concurrency } = options;
  const baseline = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : null;
  if (baseline && !existsSync(resolve(baseline, "node_modules")))
    throw new Error(`BENCH_BASELINE ${baseline} has no node_modules (link this tree's there)`);
  console.log(
    `\nTask engine end to end: ${workload.jobs} tasks (3 no-op steps each) over ${workload.entities} entities, concurrency ${concurrency}; each run in its own process; task events in-process with the memory engine (the one-process start), over Redis with BullMQ${baseline ? `; baseline side: ${baseline}` : ""}`,
  );
  const combos = (options.postgres ? (["sqlite", "postgres"] as const) : (["sqlite"] as const)).flatMap(
    (dialect) => (["memory", "bullmq"] as const).map((engine) => ({ dialect, engine })),
  );
  const roots: [string, string | undefined][] = baseline
    ? [
        ["this", undefined],
        ["baseline", baseline],
      ]
    : [["this", undefined]];
  let n = 0;
  const sides = combos.flatMap(({ dialect, engine }) =>
    roots.map(([side, root]) => ({
      name: `${dialect} + ${engine}${baseline ? ` ${side}` : ""}`,
      run: () =>
        benchTaskEngineInChild(
          {
            dialect,
            engine,
            redisUrl: options.redisUrl,
            prefix: `${options.prefix}:${dialect}-${engine}-${n++}`,
            workload,
            concurrency,
          },
          root,
        ),
    })),
  );
  const results = await interleaved<TaskEngineRun>(sides, options.runs, (name, r, round) =>
    console.log(
      `  run ${round} ${name.padEnd(27)} ${r.tasksPerSecond.toFixed(0).padStart(6)} tasks/s  ${r.cpuMsPerTask.toFixed(2).padStart(6)} CPU ms/task`,
    ),
  );
  for (const [name, runs] of results) {
    console.log(
      `  ${name.padEnd(27)} tasks/s ${formatSummary(summarise(runs.map((r) => r.tasksPerSecond)))}; CPU ms/task ${formatSummary(summarise(runs.map((r) => r.cpuMsPerTask)), 2)}`,
    );
  }
  if (!baseline) return;
  for (const { dialect, engine } of combos) {
    const mine = results.get(`${dialect} + ${engine} this`) ?? [];
    const theirs = results.get(`${dialect} + ${engine} baseline`) ?? [];
    const speed = mine.map((r, i) => r.tasksPerSecond / (theirs[i]?.tasksPerSecond ?? Number.NaN));
    const cpu = mine.map((r, i) => (theirs[i]?.cpuMsPerTask ?? Number.NaN) / r.cpuMsPerTask);
    console.log(
      `  ${`${dialect} + ${engine}`.padEnd(18)} this ÷ baseline (same round): tasks/s ${formatSummary(summarise(speed), 2)}x; CPU per task ${formatSummary(summarise(cpu), 2)}x less`,
    );
  }
}
