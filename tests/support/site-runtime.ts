import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRuntime, type Runtime } from "../../compose";
import { loadConfig } from "../../config";
import { createLogger } from "../../platform/logger";
import { ensureSiteBuilt } from "../../site/build-state";

export interface SiteRuntime {
  runtime: Runtime;
  url: string;
  stop(): Promise<void>;
}

/**
 * The whole process (API, worker, dashboard, bot emulator when present) on a random loopback port,
 * over a fresh SQLite file and the in-memory queue, with short demo steps. Builds the dashboard once
 * if its build is missing or stale.
 */
export async function startSiteRuntime(
  env: Record<string, string> = {},
  options: { port?: number } = {},
): Promise<SiteRuntime> {
  await ensureSiteBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), "cloudops-site-"));
  const config = {
    ...loadConfig({
      DEMO_MODE: "true",
      DATA_DIR: dataDir,
      DEMO_STEP_DELAY_MS: "40",
      LOG_LEVEL: "silent",
      SHUTDOWN_GRACE_MS: "200",
      ...env,
    }),
    port: options.port ?? 0,
    host: "127.0.0.1",
  };
  const runtime = await createRuntime(config, createLogger("silent", { role: "all" }));
  const port = await runtime.start();
  return {
    runtime,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await runtime.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
