// The client half of `npm run bench:api`: keep-alive HTTP load at a fixed number of connections,
// one route at a time, printing p50/p95/p99 latency and requests per second as JSON lines.
import { Agent, request } from "node:http";

const base = new URL(process.argv[2] ?? "http://127.0.0.1:3000");
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const WARMUP_SECONDS = 1;

const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS, maxFreeSockets: CONNECTIONS });

function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, path, agent, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function run(name: string, nextPath: () => string) {
  const latencies: number[] = [];
  let errors = 0;
  let measuring = false;
  const warmupEnds = Date.now() + WARMUP_SECONDS * 1000;
  const ends = warmupEnds + SECONDS * 1000;
  let measuredFrom = 0;
  const worker = async () => {
    while (Date.now() < ends) {
      if (!measuring && Date.now() >= warmupEnds) {
        measuring = true;
        measuredFrom = Date.now();
      }
      const t0 = process.hrtime.bigint();
      const res = await get(nextPath()).catch(() => ({ status: 0, body: "" }));
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (res.status !== 200) errors++;
      if (measuring) latencies.push(ms);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const elapsed = (Date.now() - measuredFrom) / 1000;
  latencies.sort((a, b) => a - b);
  const row = {
    route: name,
    connections: CONNECTIONS,
    requests: latencies.length,
    errors,
    reqPerSec: Math.round(latencies.length / elapsed),
    p50ms: +pct(latencies, 50).toFixed(2),
    p95ms: +pct(latencies, 95).toFixed(2),
    p99ms: +pct(latencies, 99).toFixed(2),
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

const ids: string[] = [];
let cursor: string | null = null;
while (ids.length < 2000) {
  const page = await get(`/api/tasks?limit=200${cursor ? `&cursor=${cursor}` : ""}`);
  const body = JSON.parse(page.body) as { items: Array<{ id: string }>; nextCursor: string | null };
  ids.push(...body.items.map((t) => t.id));
  cursor = body.nextCursor;
  if (!cursor) break;
}
let i = 0;
await run("GET /health/live (ceiling)", () => "/health/live");
await run("GET /api/tasks/{id}", () => `/api/tasks/${ids[i++ % ids.length]}`);
await run("GET /api/tasks?limit=50", () => "/api/tasks?limit=50");
agent.destroy();
