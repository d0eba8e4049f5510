// The load client of `npm run bench:sse`, in its own process: opens BENCH_CLIENTS connections to the
// all-tasks stream at BENCH_URL, prints "CONNECTED" once every one is open, records for each event
// frame the delay from the event's `at` to its arrival, and on SIGTERM prints one JSON line of them.
import { request } from "node:http";

const url = new URL("/api/tasks/sse", process.env.BENCH_URL ?? "http://127.0.0.1:3000");
const clients = Number(process.env.BENCH_CLIENTS ?? 200);
const latencies: number[] = [];
let open = 0;
let failed = 0;

function connect(): void {
  const req = request(url, { headers: { accept: "text/event-stream" }, agent: false }, (res) => {
    if (res.statusCode !== 200) {
      failed++;
      res.resume();
      return;
    }
    open++;
    if (open + failed === clients) process.stdout.write(`CONNECTED ${open} ${failed}\n`);
    let pending = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      const now = Date.now();
      pending += chunk;
      let end = pending.indexOf("\n\n");
      while (end >= 0) {
        const frame = pending.slice(0, end);
        pending = pending.slice(end + 2);
        const data = frame.split("\n").find((line) => line.startsWith("data: "));
        if (data) {
          const at = Date.parse((JSON.parse(data.slice(6)) as { at?: string }).at ?? "");
          if (Number.isFinite(at)) latencies.push(now - at);
        }
        end = pending.indexOf("\n\n");
      }
    });
  });
  req.on("error", () => {
    failed++;
    if (open + failed === clients) process.stdout.write(`CONNECTED ${open} ${failed}\n`);
  });
  req.end();
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

// Percentiles here, not every latency: 5,000 clients make millions of deliveries. Exit once the line
// is out (stdout to a pipe is asynchronous; exiting at once would cut it).
process.on("SIGTERM", () => {
  const sorted = latencies.sort((a, b) => a - b);
  const report = {
    open,
    failed,
    deliveries: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
});

// Open in batches so the server's accept queue is not the thing measured.
for (let i = 0; i < clients; i += 100) {
  for (let j = i; j < Math.min(clients, i + 100); j++) connect();
  await new Promise((r) => setTimeout(r, 20));
}
