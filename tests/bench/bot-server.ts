// The bot half of `npm run bench:bot`, in its own process: the whole runtime (ROLE=all, SQLite,
// memory queue, demo cluster) on a loopback port. Prints "READY <port>"; SIGTERM stops it.
// BENCH_SPANS=1 records every span in memory and, on SIGTERM, prints "SPANS <json>": count, p50 and
// p95 ms per span name (ids in paths folded), so the bench can say where a turn spends its time.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { createRuntime } from "../../compose";
import { loadConfig } from "../../config";
import { createLogger } from "../../platform/logger";
import { startTracing } from "../../platform/telemetry/tracing";
import { percentile } from "./stats";

const memory = process.env.BENCH_SPANS === "1" ? new InMemorySpanExporter() : null;
const tracing = memory
  ? await startTracing({
      serviceName: "cloudops-bench",
      role: "all",
      version: "bench",
      otlp: false,
      spanProcessors: [new SimpleSpanProcessor(memory)],
    })
  : null;

const dataDir = mkdtempSync(join(tmpdir(), "cloudops-bot-bench-"));
const config = {
  ...loadConfig({
    DEMO_MODE: "true",
    DATA_DIR: dataDir,
    // Long steps keep the tasks running while the bench presses Cancel on their cards.
    DEMO_STEP_DELAY_MS: process.env.BENCH_STEP_DELAY_MS ?? "3000",
    LOG_LEVEL: "silent",
    SHUTDOWN_GRACE_MS: "0",
    RATE_LIMIT_PER_MINUTE: "100000",
    PUBLIC_URL: "https://cloudops.example.com",
  }),
  port: 0,
  host: "127.0.0.1",
};
const runtime = await createRuntime(config, createLogger("silent"));
const port = await runtime.start();
console.log(`READY ${port}`);

function spanSummary() {
  const byName = new Map<string, number[]>();
  for (const span of memory?.getFinishedSpans() ?? []) {
    const name = span.name.replace(/\b[a-z]{3}_[0-9a-z]{26}\b/g, ":id").replace(/\?.*$/, "");
    const [s, ns] = span.duration;
    byName.set(name, [...(byName.get(name) ?? []), s * 1000 + ns / 1e6]);
  }
  return [...byName]
    .map(([name, ms]) => ({ name, count: ms.length, p50: percentile(ms, 50), p95: percentile(ms, 95) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

process.once("SIGTERM", async () => {
  if (memory) console.log(`SPANS ${JSON.stringify(spanSummary())}`);
  await runtime.stop().catch(() => undefined);
  await tracing?.shutdown().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
