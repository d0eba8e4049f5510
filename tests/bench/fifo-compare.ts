import { resolve } from "node:path";
import type { createQueue } from "../../worker/queue/create-queue";
import { redisClients } from "./cpu-meter";
import { benchFifoEngine } from "./fifo-engine";
import { benchRawBullmq } from "./raw-bullmq";
import { formatSummary, interleaved, summarise } from "./stats";
import type { Workload } from "./workload";

// Many entities, no-op jobs: throughput. Few entities, jobs that wait: order (raw BullMQ breaks it).
// BENCH_FIFO_JOBS lengthens the throughput runs: at 10,000 jobs one lasts about a second, and the
// same side ranged 1.7x within one bench on 2026-12-05.
export const THROUGHPUT: Workload = { jobs: Number(process.env.BENCH_FIFO_JOBS ?? 10_000), entities: 1_000 };
export const CONTENDED: Workload = { jobs: 1_000, entities: 4, maxWorkMs: 3 };

type QueueRun = Awaited<ReturnType<typeof benchRawBullmq>>;

const f = (n: number, digits: number) => n.toFixed(digits);

/**
 * Raw BullMQ and the FIFO engine on the same Redis, `runs` rounds interleaved (raw, FIFO, raw, …):
 * jobs/s, order violations, Node CPU ms per job (this process), Redis CPU ms per job (INFO CPU,
 * server-wide), and Redis's time in scripts and commands run per job (INFO commandstats: the scripts
 * are where BullMQ and the FIFO layer work, so they show which side's Redis work grew) per run, then medians, ranges and the FIFO / raw ratio of each round. Returns the
 * FIFO engine's order violations (any is a bug).
 */
export async function compareFifoAndRaw(options: {
  redisUrl: string;
  prefix: string;
  workload: Workload;
  label: string;
  concurrency: number;
  runs: number;
}): Promise<number> {
  const { redisUrl, prefix, workload, concurrency } = options;
  console.log(
    `\n${options.label}: ${workload.jobs} jobs over ${workload.entities} entities${workload.maxWorkMs ? `, each waiting 0-${workload.maxWorkMs} ms` : ", no-op"}, concurrency ${concurrency}`,
  );
  console.log(
    `  (other clients on this Redis now: ${await redisClients(redisUrl)}; its CPU counts theirs too)`,
  );
  let n = 0;
  const baseline = await loadBaseline();
  const results = await interleaved<QueueRun>(
    [
      {
        name: "raw BullMQ",
        run: () => benchRawBullmq(redisUrl, `${prefix}:raw${n++}`, workload, concurrency),
      },
      {
        name: "FIFO engine",
        run: () => benchFifoEngine(redisUrl, `${prefix}:fifo${n++}`, workload, concurrency),
      },
      ...(baseline
        ? [
            {
              name: "FIFO before",
              run: () => benchFifoEngine(redisUrl, `${prefix}:base${n++}`, workload, concurrency, baseline),
            },
          ]
        : []),
    ],
    options.runs,
    (name, r, round) =>
      console.log(
        `  run ${round} ${name.padEnd(12)} ${f(r.jobsPerSecond, 0).padStart(6)} jobs/s  order violations ${String(r.violations).padStart(4)}  Node CPU ${f(r.nodeCpuMsPerJob, 3)} ms/job  Redis CPU ${f(r.redisCpuMsPerJob, 3)} ms/job  scripts ${f(r.redisScriptUsPerJob, 1)} µs/job  commands ${f(r.redisCommandsPerJob, 1)}/job`,
      ),
  );
  const raw = results.get("raw BullMQ") ?? [];
  const fifo = results.get("FIFO engine") ?? [];
  const before = results.get("FIFO before") ?? [];
  const perRound = (pick: (r: QueueRun) => number, side = fifo) =>
    summarise(side.map((r, i) => pick(r) / (raw[i] ? pick(raw[i]) : Number.NaN)));
  for (const [name, side] of [
    ["raw BullMQ", raw],
    ["FIFO engine", fifo],
    ["FIFO before", before],
  ] as const) {
    if (side.length === 0) continue;
    console.log(
      `  ${name.padEnd(12)} jobs/s ${formatSummary(summarise(side.map((r) => r.jobsPerSecond)))}; ` +
        `Node CPU ms/job ${formatSummary(summarise(side.map((r) => r.nodeCpuMsPerJob)), 3)}; ` +
        `Redis CPU ms/job ${formatSummary(summarise(side.map((r) => r.redisCpuMsPerJob)), 3)}; ` +
        `Redis script µs/job ${formatSummary(summarise(side.map((r) => r.redisScriptUsPerJob)), 1)}; ` +
        `Redis commands/job ${formatSummary(summarise(side.map((r) => r.redisCommandsPerJob)), 1)}; ` +
        `order violations ${side.map((r) => r.violations).join(", ")}`,
    );
  }
  console.log(
    `  FIFO / raw, same round: jobs/s ${formatSummary(
      perRound((r) => r.jobsPerSecond),
      2,
    )}`,
  );
  console.log(
    `                          Node CPU per job ${formatSummary(
      perRound((r) => r.nodeCpuMsPerJob),
      2,
    )}; Redis CPU per job ${formatSummary(
      perRound((r) => r.redisCpuMsPerJob),
      2,
    )}; Redis script time per job ${formatSummary(
      perRound((r) => r.redisScriptUsPerJob),
      2,
    )}`,
  );
  if (before.length > 0)
    console.log(
      `  FIFO before / raw, same round: jobs/s ${formatSummary(
        perRound((r) => r.jobsPerSecond, before),
        2,
      )}; Node CPU per job ${formatSummary(
        perRound((r) => r.nodeCpuMsPerJob, before),
        2,
      )}; Redis CPU per job ${formatSummary(
        perRound((r) => r.redisCpuMsPerJob, before),
        2,
      )}`,
    );
  return fifo.reduce((sum, r) => sum + r.violations, 0);
}

/** BENCH_BASELINE=<another checkout> adds its FIFO engine as a third side ("FIFO before"). */
async function loadBaseline(): Promise<typeof createQueue | null> {
  const dir = process.env.BENCH_BASELINE;
  if (!dir) return null;
  const module = (await import(resolve(dir, "worker/queue/create-queue.ts"))) as {
    createQueue: typeof createQueue;
  };
  return module.createQueue;
}
