import { readdirSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type TestApi } from "../support/api-harness";
import { postgresUrl } from "../support/services";
import { createSourceDatabase, type SourceDatabase } from "../support/source-database";

/**
 * A backup is stopped while pg_dump runs. To be sure it is still running when we stop it, another
 * session holds a lock pg_dump waits for (pg_dump blocks on ACCESS SHARE of every table it dumps).
 */
describe.skipIf(!postgresUrl)("stopping a running pg_dump", () => {
  let db: SourceDatabase;
  let locker: pg.Client;
  const instance = "big-db";

  beforeAll(async () => {
    db = await createSourceDatabase("cloudops_cancel");
    await db.query(`
      create table events as
        select i as id, md5(i::text) as digest, repeat('x', 200) as payload from generate_series(1, 200000) i;
      create table locked (id int primary key);
    `);
    locker = new pg.Client({ connectionString: db.url });
    locker.on("error", () => undefined);
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end().catch(() => undefined);
    await db?.drop();
  });

  async function withApi(timeoutMs: number | undefined, use: (api: TestApi) => Promise<void>) {
    const api = await createTestApi({
      env: { DB_INSTANCES: JSON.stringify({ [instance]: { engine: "azure-postgres", url: db.url } }) },
      dbOperationTimeoutMs: timeoutMs,
      startWorker: true,
    });
    try {
      await use(api);
    } finally {
      await api.close();
    }
  }

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const waitingDumps = async () =>
    db.query<{ pid: number; wait: string | null }>(
      `select pid, wait_event_type as wait from pg_stat_activity where datname = '${db.name}' and application_name = 'pg_dump'`,
    );

  /** Starts a backup and resolves once pg_dump is blocked on the lock, with the OS pid of pg_dump. */
  async function startBlockedBackup(api: TestApi) {
    await locker.query("begin; lock table locked in access exclusive mode");
    const res = await api.as("operator")(`/api/db/azure-postgres/${instance}/backup`, { method: "POST" });
    expect(res.status).toBe(202);
    const { taskId } = (await res.json()) as { taskId: string };
    await until("pg_dump waiting on the lock", async () =>
      (await waitingDumps()).some((d) => d.wait === "Lock") ? true : undefined,
    );
    const logs = await api.t.stores.taskEvents.logs(taskId, { limit: 100 });
    const pid = Number(/pg_dump started \(pid (\d+)\)/.exec(logs.map((l) => l.message).join("\n"))?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(true);
    return { taskId, pid };
  }

  async function expectNothingLeft(api: TestApi, pid: number) {
    await until("pg_dump to exit", async () => (alive(pid) ? undefined : true));
    await until("the pg_dump session to end", async () =>
      (await waitingDumps()).length === 0 ? true : undefined,
    );
    expect(await api.t.stores.artifacts.list({ instanceId: instance })).toEqual([]);
    expect(filesUnder(join(api.t.dataDir, "backups"))).toEqual([]);
  }

  it("cancel kills pg_dump and leaves no artifact, not even a partial file", async () => {
    await withApi(undefined, async (api) => {
      const { taskId, pid } = await startBlockedBackup(api);
      try {
        const cancel = await api.as("operator")(`/api/tasks/${taskId}/cancel`, { method: "POST" });
        expect(cancel.status).toBeLessThan(300);
        expect((await api.t.waitForStatus(taskId, ["cancelled", "failed", "succeeded"], 60_000)).status).toBe(
          "cancelled",
        );
        await expectNothingLeft(api, pid);
      } finally {
        await locker.query("rollback");
      }
    });
  });

  it("a backup that outlives DB_OPERATION_TIMEOUT_MINUTES is stopped and fails with a hint", async () => {
    await withApi(1500, async (api) => {
      const { taskId, pid } = await startBlockedBackup(api);
      try {
        const task = await api.t.waitForStatus(taskId, ["cancelled", "failed", "succeeded"], 60_000);
        expect(task.status).toBe("failed");
        expect(task.error).toMatchObject({
          code: "db_operation_timeout",
          hint: expect.stringContaining("DB_OPERATION_TIMEOUT_MINUTES"),
        });
        await expectNothingLeft(api, pid);
      } finally {
        await locker.query("rollback");
      }
    });
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name);
  } catch {
    return [];
  }
}
