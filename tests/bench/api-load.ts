// The client half of `npm run bench:api`, in its own process so the load generator never competes
// with the server's event loop: autocannon at a fixed number of keep-alive connections, every route
// BENCH_RUNS times interleaved, one JSON line per run on stdout.
import autocannon from "autocannon";

const base = process.argv[2] ?? "http://127.0.0.1:3000";
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(new URL(path, base));
  if (!res.ok) throw new Error(`${path} answered ${res.status}`);
  return (await res.json()) as T;
}

type Page = { items: Array<{ id: string }>; nextCursor: string | null };

// Task ids to rotate through, and the cursor of a page about 90% deep into the list.
const ids: string[] = [];
let deepCursor: string | null = null;
let cursor: string | null = null;
const total = Number(process.env.BENCH_TASKS ?? 10_000);
let seen = 0;
for (;;) {
  const page: Page = await getJson(`/api/tasks?limit=100${cursor ? `&cursor=${cursor}` : ""}`);
  if (ids.length < 2000) ids.push(...page.items.map((t) => t.id));
  seen += page.items.length;
  if (!deepCursor && seen >= total * 0.9 && page.nextCursor) deepCursor = page.nextCursor;
  cursor = page.nextCursor;
  if (!cursor || deepCursor) break;
}

const routes: Array<{ route: string; paths: () => string }> = [
  { route: "GET /health/live (trivial)", paths: () => "/health/live" },
  {
    route: "GET /api/tasks/{id}",
    paths: (() => {
      let i = 0;
      return () => `/api/tasks/${ids[i++ % ids.length]}`;
    })(),
  },
  { route: "GET /api/tasks?limit=50 (first page)", paths: () => "/api/tasks?limit=50" },
  ...(deepCursor
    ? [
        {
          route: "GET /api/tasks?limit=50 (90% deep)",
          paths: () => `/api/tasks?limit=50&cursor=${deepCursor}`,
        },
      ]
    : []),
];

for (let run = 1; run <= RUNS; run++) {
  // Every other run in reverse, so no route always runs first (or right after another).
  for (const { route, paths } of run % 2 === 1 ? routes : [...routes].reverse()) {
    const result = await autocannon({
      url: base,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: [{ setupRequest: (req) => ({ ...req, path: paths() }) }],
    });
    const row = {
      route,
      run,
      reqPerSec: Math.round(result.requests.average),
      p50ms: result.latency.p50,
      p97_5ms: result.latency.p97_5,
      p99ms: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
    };
    process.stdout.write(`${JSON.stringify(row)}\n`);
  }
}
