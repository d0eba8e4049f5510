import { cpus, loadavg } from "node:os";

/** The machine line every benchmark prints first: figures on a shared machine mean little without it. */
export function machineLine(): string {
  const [one, five, fifteen] = loadavg().map((n) => n.toFixed(2));
  return `machine: ${cpus().length} cores, load average ${one} / ${five} / ${fifteen} (1/5/15 min), node ${process.version}`;
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function summarise(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length === 0
      ? Number.NaN
      : sorted.length % 2
        ? (sorted[mid] ?? 0)
        : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { median, min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN, runs: sorted.length };
}

/** "1234 (1100–1300, 3 runs)" */
export function formatSummary(summary: Summary, digits = 0): string {
  const f = (n: number) => n.toFixed(digits);
  return `${f(summary.median)} (${f(summary.min)}–${f(summary.max)}, ${summary.runs} runs)`;
}

/**
 * Runs every side `runs` times, interleaved, so a change in the machine's load hits all sides alike;
 * returns each side's results in run order. Every other round runs the sides in reverse (A B C, C B A,
 * A B C, …): two copies of the same checkout run as "this" and "baseline" (bench:bot, same code for the
 * bot) showed the side that always ran first 1.13x the CPU per activity and a slower first reply in
 * two rounds of three, which an alternating order spreads over both sides (fully with an even count).
 */
export async function interleaved<T>(
  sides: ReadonlyArray<{ name: string; run: () => Promise<T> }>,
  runs: number,
  onResult?: (name: string, result: T, round: number) => void,
): Promise<Map<string, T[]>> {
  const results = new Map<string, T[]>(sides.map((s) => [s.name, []]));
  for (let round = 1; round <= runs; round++) {
    for (const side of round % 2 === 1 ? sides : [...sides].reverse()) {
      const result = await side.run();
      results.get(side.name)?.push(result);
      onResult?.(side.name, result, round);
    }
  }
  return results;
}

/** The nearest-rank `p`th percentile of `values` (any order); NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
