// The load client of `npm run bench:sse`, in its own process (the bench starts several, so the
// parsing of N clients' frames is spread and does not dominate the latency figure): opens
// BENCH_CLIENTS connections to the all-tasks stream at BENCH_URL, prints "CONNECTED <open> <failed>"
// once every one is open, records for each event frame the delay from the event's `at` (stamped by
// the journal before its commit) to the moment this process reads the chunk holding it, and on SIGTERM
// prints one JSON line: the count and a histogram of those delays in whole milliseconds (the bench
// merges the processes' histograms into percentiles).
import { request } from "node:http";

const url = new URL("/api/tasks/sse", process.env.BENCH_URL ?? "http://127.0.0.1:3000");
const clients = Number(process.env.BENCH_CLIENTS ?? 200);
// Delay in ms -> deliveries; 5,000 clients make millions of deliveries, so no array of them.
const histogram = new Map<number, number>();
let deliveries = 0;
let open = 0;
let failed = 0;

const AT = '"at":"';

// The event's `at` is the first "at" key of its JSON (the top-level field comes before the nested
// task and data objects), found without parsing the whole frame: the client stays cheap.
function record(frame: string, now: number): void {
  const start = frame.indexOf(AT);
  if (start < 0) return;
  const at = Date.parse(frame.slice(start + AT.length, start + AT.length + 24));
  if (!Number.isFinite(at)) return;
  const ms = Math.max(0, now - at);
  histogram.set(ms, (histogram.get(ms) ?? 0) + 1);
  deliveries++;
}

function settled(): void {
  if (open + failed === clients) process.stdout.write(`CONNECTED ${open} ${failed}\n`);
}

function connect(): void {
  const req = request(url, { headers: { accept: "text/event-stream" }, agent: false }, (res) => {
    if (res.statusCode !== 200) {
      failed++;
      res.resume();
      settled();
      return;
    }
    open++;
    settled();
    let pending = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      const now = Date.now();
      pending += chunk;
      let end = pending.indexOf("\n\n");
      while (end >= 0) {
        if (pending.startsWith("event:")) record(pending.slice(0, end), now);
        pending = pending.slice(end + 2);
        end = pending.indexOf("\n\n");
      }
    });
  });
  req.on("error", () => {
    failed++;
    settled();
  });
  req.end();
}

// Exit once the line is out (stdout to a pipe is asynchronous; exiting at once would cut it).
process.on("SIGTERM", () => {
  const report = { open, failed, deliveries, histogram: [...histogram.entries()] };
  process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
});

// Open in batches so the server's accept queue is not the thing measured.
for (let i = 0; i < clients; i += 100) {
  for (let j = i; j < Math.min(clients, i + 100); j++) connect();
  await new Promise((r) => setTimeout(r, 20));
}
