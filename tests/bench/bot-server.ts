// The bot half of `npm run bench:bot`, in its own process: the whole runtime (ROLE=all, SQLite,
// memory queue, demo cluster) on a loopback port. Prints "READY <port>"; SIGTERM stops it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRuntime } from "../../compose";
import { loadConfig } from "../../config";
import { createLogger } from "../../platform/logger";

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

process.once("SIGTERM", async () => {
  await runtime.stop().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
