import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
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

  const logText = async (api: TestApi, taskId: string) =>
    (await api.t.stores.taskEvents.logs(taskId, { limit: 500 })).map((l) => l.message).join("\n");

  it("a pg_dump killed by SIGKILL mid-run registers nothing, leaves no partial file, and the retry makes a whole backup", async () => {
    await withApi(undefined, async (api) => {
      const { taskId, pid } = await startBlockedBackup(api);
      try {
        process.kill(pid, "SIGKILL"); // as the OOM killer would
        await until("the attempt to fail", async () =>
          /Attempt 1 of 3 failed: pg_dump was killed by SIGKILL/.test(await logText(api, taskId))
            ? true
            : undefined,
        );
        // The retry waits on the same lock: until it is released nothing may be registered.
        expect(await api.t.stores.artifacts.list({ instanceId: instance })).toEqual([]);
      } finally {
        await locker.query("rollback");
      }
      const done = await api.t.waitForStatus(taskId, ["cancelled", "failed", "succeeded"], 120_000);
      expect(done).toMatchObject({ status: "succeeded", attempts: 2 });
      const artifacts = await api.t.stores.artifacts.list({ instanceId: instance });
      expect(artifacts).toHaveLength(1);
      // One file, the complete one: no partial or temporary file of the killed attempt is left.
      const files = filesUnder(join(api.t.dataDir, "backups"));
      expect(files).toHaveLength(1);
      expect(files[0]).not.toMatch(/partial/);
      const artifact = artifacts[0];
      const bytes = readFileSync(join(api.t.dataDir, artifact?.path ?? ""));
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(artifact?.sha256);
      expect(spawnSync("pg_restore", ["--list"], { input: bytes }).status).toBe(0);
    });
  });

  /** A finished backup of the instance through the API: its artifact. */
  async function backUpOnce(api: TestApi) {
    const backup = await api.as("operator")(`/api/db/azure-postgres/${instance}/backup`, { method: "POST" });
    const backupTask = ((await backup.json()) as { taskId: string }).taskId;
    expect((await api.t.waitForStatus(backupTask, ["failed", "succeeded"], 120_000)).status).toBe(
      "succeeded",
    );
    const [artifact] = await api.t.stores.artifacts.list({ instanceId: instance });
    if (!artifact) throw new Error("no backup");
    return artifact;
  }

  /**
   * Starts a restore and resolves once pg_restore waits on the lock `locker` holds (pg_restore --clean
   * drops the tables first, which waits for a reader's lock), with the task and the OS pid of pg_restore.
   */
  async function startBlockedRestore(api: TestApi, artifactId: string) {
    await locker.query("begin; lock table events in access share mode");
    const res = await api.as("operator")(`/api/db/azure-postgres/${instance}/restore`, {
      method: "POST",
      body: { artifactId },
    });
    expect(res.status).toBe(202);
    const { taskId } = (await res.json()) as { taskId: string };
    const pid = await until("pg_restore to start", async () => {
      const found = /pg_restore started \(pid (\d+)\)/.exec(await logText(api, taskId));
      return found ? Number(found[1]) : undefined;
    });
    await until("pg_restore waiting on the lock", async () =>
      (await restoreSessions("Lock")) > 0 ? true : undefined,
    );
    return { taskId, pid };
  }

  const restoreSessions = async (wait?: string) =>
    (
      await db.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where datname = '${db.name}' and application_name = 'pg_restore'${wait ? ` and wait_event_type = '${wait}'` : ""}`,
      )
    )[0]?.n ?? 0;

  it("a pg_restore killed by SIGKILL mid-run fails the attempt clearly and the retry restores the backup whole", async () => {
    await withApi(undefined, async (api) => {
      const artifact = await backUpOnce(api);
      const before = await db.fingerprint();
      await db.query("delete from events where id <= 1000");
      let taskId = "";
      try {
        const started = await startBlockedRestore(api, artifact.id);
        taskId = started.taskId;
        process.kill(started.pid, "SIGKILL");
        await until("the attempt to fail", async () =>
          /Attempt 1 of 3 failed: pg_restore was killed by SIGKILL/.test(await logText(api, taskId))
            ? true
            : undefined,
        );
      } finally {
        await locker.query("rollback");
      }
      const done = await api.t.waitForStatus(taskId, ["cancelled", "failed", "succeeded"], 120_000);
      expect(done).toMatchObject({ status: "succeeded", attempts: 2 });
      expect(await db.fingerprint()).toEqual(before);
    });
  });

  it("cancel during a restore stops pg_restore and changes nothing (one transaction, rolled back)", async () => {
    await withApi(undefined, async (api) => {
      const artifact = await backUpOnce(api);
      await db.query("delete from events where id <= 500");
      const before = await db.fingerprint();
      try {
        const { taskId, pid } = await startBlockedRestore(api, artifact.id);
        const cancel = await api.as("operator")(`/api/tasks/${taskId}/cancel`, { method: "POST" });
        expect(cancel.status).toBeLessThan(300);
        expect((await api.t.waitForStatus(taskId, ["cancelled", "failed", "succeeded"], 60_000)).status).toBe(
          "cancelled",
        );
        await until("pg_restore to exit", async () => (alive(pid) ? undefined : true));
      } finally {
        await locker.query("rollback");
      }
      await until("the pg_restore session to end", async () =>
        (await restoreSessions()) === 0 ? true : undefined,
      );
      expect(await db.fingerprint()).toEqual(before);
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
