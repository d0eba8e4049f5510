/**
 * npm run bench:bot — prints figures, asserts nothing about time.
 * Three processes: the whole CloudOps runtime (ROLE=all, SQLite, memory queue, demo cluster), the
 * fake Bot Connector, and the load client. Figures:
 * - activity POST → the card reply reaching the connector (each command starts a real task);
 * - an Action.Execute (Cancel) press → its invoke answer, with the connector answering normally and
 *   with the connector answering 429 (Retry-After 3 s) to every call.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { machineLine } from "./stats";

const node = (script: string, args: string[] = []) =>
  spawn(process.execPath, ["--import", "tsx", script, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, LOG_LEVEL: "silent" },
  });

function ready(child: ChildProcess): Promise<string[]> {
  return new Promise((resolve, reject) => {
    if (!child.stdout) return reject(new Error("no stdout"));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const m = /^READY (.+)$/.exec(line);
      if (m?.[1]) resolve(m[1].split(" "));
    });
    child.once("exit", (code) => reject(new Error(`a bench process exited with ${code}`)));
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const stop = (child: ChildProcess) =>
  new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(undefined);
    child.once("exit", resolve);
    child.kill("SIGTERM");
  });

const server = node("tests/bench/bot-server.ts");
const connector = node("tests/bench/bot-connector.ts");
try {
  const [[port], [connectorUrl, controlUrl]] = await Promise.all([ready(server), ready(connector)]);
  const load = node("tests/bench/bot-load.ts", [
    `http://127.0.0.1:${port}`,
    connectorUrl ?? "",
    controlUrl ?? "",
  ]);
  const samples = new Map<string, number[]>();
  createInterface({ input: load.stdout as NonNullable<typeof load.stdout> }).on("line", (line) => {
    try {
      const { kind, ms } = JSON.parse(line) as { kind: string; ms: number };
      samples.set(kind, [...(samples.get(kind) ?? []), ms]);
    } catch {
      console.log(line);
    }
  });
  const code = await new Promise<number | null>((resolve) => load.once("exit", resolve));
  if (code !== 0) throw new Error(`the load client exited with ${code}`);

  const ms = (n: number) => `${n.toFixed(1)} ms`;
  console.log(machineLine());
  console.log(
    `bench:bot — ${process.env.BENCH_CONVERSATIONS ?? 20} conversations at once; runtime, connector and load client in separate processes`,
  );
  const labels: Record<string, string> = {
    message: "activity POST → card reply at the connector",
    invoke: "Cancel press → invoke answer, connector unthrottled",
    "invoke-throttled": "Cancel press → invoke answer, connector answering 429 to every call",
  };
  for (const [kind, label] of Object.entries(labels)) {
    const sorted = [...(samples.get(kind) ?? [])].sort((a, b) => a - b);
    console.log(`  ${label} (${sorted.length} samples)`);
    console.log(
      `    p50 ${ms(percentile(sorted, 50))}   p95 ${ms(percentile(sorted, 95))}   max ${ms(sorted.at(-1) ?? Number.NaN)}`,
    );
  }
} finally {
  await Promise.all([stop(server), stop(connector)]);
}
