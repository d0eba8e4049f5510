// `npm run bench:api`: starts the API in its own process with 10,000 tasks, loads it from another
// process at 64 keep-alive connections and prints latency percentiles and throughput per route.
// Measured, never asserted (figures depend on the machine).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

const node = (script: string, args: string[] = []) =>
  spawn(process.execPath, ["--import", "tsx", script, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, LOG_LEVEL: "silent" },
  });

const server = node("tests/bench/api-server.ts");
const port = await new Promise<number>((resolve, reject) => {
  const lines = createInterface({ input: server.stdout });
  lines.on("line", (line) => {
    const m = /^READY (\d+)$/.exec(line);
    if (m) resolve(Number(m[1]));
  });
  server.once("exit", (code) => reject(new Error(`the bench server exited with ${code}`)));
});
console.log(
  `server ready on port ${port} with ${process.env.BENCH_TASKS ?? 10_000} tasks (pid ${server.pid})`,
);

const load = node("tests/bench/api-load.ts", [`http://127.0.0.1:${port}`]);
const rows: Array<Record<string, unknown>> = [];
createInterface({ input: load.stdout }).on("line", (line) => {
  try {
    rows.push(JSON.parse(line) as Record<string, unknown>);
  } catch {
    console.log(line);
  }
});
await new Promise((resolve) => load.once("exit", resolve));
server.kill("SIGTERM");
await new Promise((resolve) => server.once("exit", resolve));

console.table(rows);
