import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TaskRow } from "../../db/rows";
import { createStores, type Stores } from "../../db/stores/index";
import { createTestDatabase, type TestDatabase } from "./databases";
import { type AppProcess, startAppProcess } from "./process";
import { postgresUrl, uniqueSuffix } from "./services";

/** Whether `name` runs from PATH (redis-server, initdb). */
export function onPath(name: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * The scaled-out shape of issue 14: one `ROLE=api` process and two `ROLE=worker` processes of
 * main.ts on one database (PostgreSQL when DATABASE_URL names one, else a shared SQLite file) and
 * one Redis (`redisUrl`, usually a private redis-server), BullMQ engine.
 */
export async function startScaledOut(options: {
  redisUrl: string;
  maxConcurrentSessions: number;
  stepDelayMs: number;
  env?: Record<string, string>;
}) {
  const testDb: TestDatabase = await createTestDatabase(postgresUrl ? "postgres" : "sqlite");
  const stores: Stores = createStores(testDb.database);
  const dataDir = mkdtempSync(join(tmpdir(), "cloudops-scaled-"));
  const env = {
    DATABASE_URL: testDb.url,
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: `cloudops-test:${uniqueSuffix()}`,
    QUEUE_ENGINE: "bullmq",
    MAX_CONCURRENT_SESSIONS: String(options.maxConcurrentSessions),
    DEMO_STEP_DELAY_MS: String(options.stepDelayMs),
    RATE_LIMIT_PER_MINUTE: "100000",
    DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    ...options.env,
  };
  const processes: AppProcess[] = [];
  const api = await startAppProcess({ ...env, ROLE: "api" }, 120_000);
  processes.push(api);
  const workers = await Promise.all([1, 2].map(() => startAppProcess({ ...env, ROLE: "worker" }, 120_000)));
  processes.push(...workers);

  /** POST a rollout restart of a demo workload through the API; the created task's row. */
  async function restart(namespace: string, name: string): Promise<TaskRow> {
    const res = await fetch(`${api.url}/api/k8s/workloads/${namespace}/${name}:restart`, { method: "POST" });
    if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${await res.text()}`);
    const { taskId } = (await res.json()) as { taskId: string };
    const row = await stores.tasks.get(taskId);
    if (!row) throw new Error(`task ${taskId} is not in the database`);
    return row;
  }

  return {
    api,
    workers,
    stores,
    env,
    restart,
    /** Times (ms) of the worker log lines whose message is `msg`, logged after `since`. */
    logTimes(msg: string, since: number): number[] {
      return workers.flatMap((w) =>
        w
          .output()
          .split("\n")
          .flatMap((line) => {
            if (!line.startsWith("{")) return [];
            try {
              const entry = JSON.parse(line) as { t?: string; msg?: string };
              const at = entry.t ? Date.parse(entry.t) : Number.NaN;
              return entry.msg === msg && at >= since ? [at] : [];
            } catch {
              return [];
            }
          }),
      );
    },
    /** Every process's output, for a failing test's message. */
    output: () => processes.map((p, i) => `--- process ${i}\n${p.output()}`).join("\n"),
    async stop() {
      await Promise.all(
        processes.map(async (p) => {
          if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGTERM");
          const timer = setTimeout(() => p.child.kill("SIGKILL"), 20_000);
          await p.exited;
          clearTimeout(timer);
        }),
      );
      await testDb.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type ScaledOut = Awaited<ReturnType<typeof startScaledOut>>;

/** Polls `probe` until it returns something truthy. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | null | undefined | false>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
