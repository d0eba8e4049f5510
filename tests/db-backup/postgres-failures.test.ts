import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalArtifactStore } from "../../platform/artifacts/local-artifact-store";
import { createTestApi, type TestApi } from "../support/api-harness";
import { initdbAvailable, type PrivatePostgres, startPrivatePostgres } from "../support/private-postgres";
import { postgresUrl } from "../support/services";
import { createSourceDatabase, type SourceDatabase } from "../support/source-database";

type TaskError = { code: string; message: string; hint?: string };

/**
 * A PostgreSQL server of its own that checks passwords (the shared one trusts every local
 * connection): a wrong password in DB_INSTANCES is refused by the real server.
 */
describe.skipIf(!initdbAvailable)("a wrong password in DB_INSTANCES", () => {
  let server: PrivatePostgres;
  let api: TestApi;
  const wrong = "not-the-password-123";

  beforeAll(async () => {
    server = await startPrivatePostgres();
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    await client.query("create table orders (id int primary key); insert into orders values (1), (2)");
    await client.end();
    const url = new URL(server.url);
    url.password = wrong;
    api = await createTestApi({
      startWorker: true,
      env: {
        DB_INSTANCES: JSON.stringify({ "orders-db": { engine: "azure-postgres", url: url.toString() } }),
      },
    });
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await server?.stop();
  });

  it("fails the backup at once with db_auth_failed and a hint, tries to sign in once, and shows no password", async () => {
    const res = await api.as("operator")("/api/db/azure-postgres/orders-db/backup", { method: "POST" });
    expect(res.status).toBe(202);
    const { taskId } = (await res.json()) as { taskId: string };
    const done = await api.t.waitForStatus(taskId, ["failed", "succeeded"], 60_000);
    expect(done).toMatchObject({ status: "failed", attempts: 1 });
    const error = done.error as TaskError;
    expect(error.code).toBe("db_auth_failed");
    expect(error.message).toBe("Sign-in to instance orders-db was refused");
    expect(error.hint).toMatch(/DB_INSTANCES: user and password/);
    // No retry storm: the server saw exactly one refused sign-in.
    expect(server.log().match(/password authentication failed for user "postgres"/g)).toHaveLength(1);
    const task = await (await api.as("viewer")(`/api/tasks/${taskId}`)).text();
    expect(task).not.toContain(wrong);
    expect(task).not.toContain(server.password);
    expect(await api.t.stores.artifacts.list({ instanceId: "orders-db" })).toEqual([]);
  });
});

/**
 * A backup whose archive format is newer than this worker's pg_restore reads (as one made by a
 * newer pg_dump on another worker would be): the real pg_restore refuses its header.
 */
describe.skipIf(!postgresUrl)("a pg_restore too old for the backup", () => {
  let db: SourceDatabase;
  let api: TestApi;
  let dir: string;
  const store = () => createLocalArtifactStore(dir);

  beforeAll(async () => {
    db = await createSourceDatabase("cloudops_old_restore");
    await db.query(
      "create table items (id int primary key, name text); insert into items values (1, 'a'), (2, 'b')",
    );
    dir = mkdtempSync(join(tmpdir(), "cloudops-artifacts-"));
    api = await createTestApi({
      startWorker: true,
      artifactStore: store(),
      env: { DB_INSTANCES: JSON.stringify({ "items-db": { engine: "azure-postgres", url: db.url } }) },
    });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("fails permanently with pg_restore_too_old, naming pg_restore's version, the pg_dump and the archive format", async () => {
    const backup = await api.as("operator")("/api/db/azure-postgres/items-db/backup", { method: "POST" });
    const backupId = ((await backup.json()) as { taskId: string }).taskId;
    expect((await api.t.waitForStatus(backupId, ["failed", "succeeded"], 60_000)).status).toBe("succeeded");
    const [real] = await api.t.stores.artifacts.list({ instanceId: "items-db" });
    if (!real) throw new Error("no backup");
    // The same dump with the header of a newer archive format (custom format: "PGDMP", major, minor, rev).
    const chunks: Buffer[] = [];
    for await (const chunk of await store().get(real.path)) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    expect(bytes.subarray(0, 5).toString()).toBe("PGDMP");
    bytes[6] = 99;
    const stored = await store().put("backups/azure-postgres/items-db/newer.dump", Readable.from([bytes]));
    const newer = await api.t.stores.artifacts.create({
      kind: "backup",
      path: stored.key,
      size: stored.size,
      sha256: stored.sha256,
      taskId: null,
      engine: "azure-postgres",
      instanceId: "items-db",
      meta: { tool: "pg_dump 99.1", serverVersion: "99.1" },
    });
    await db.query("insert into items values (3, 'c')");
    const before = await db.fingerprint();

    const res = await api.as("operator")("/api/db/azure-postgres/items-db/restore", {
      method: "POST",
      body: { artifactId: newer.id },
    });
    const { taskId } = (await res.json()) as { taskId: string };
    const done = await api.t.waitForStatus(taskId, ["failed", "succeeded"], 60_000);
    expect(done).toMatchObject({ status: "failed", attempts: 1 });
    const error = done.error as TaskError;
    expect(error.code).toBe("pg_restore_too_old");
    expect(error.message).toMatch(
      new RegExp(
        `^pg_restore \\d+\\.\\d+ is too old for backup ${newer.id}: it was written by pg_dump 99\\.1 \\(archive format 1\\.99`,
      ),
    );
    expect(error.hint).toBe("Install pg_restore 99 or newer (postgresql-client-99) on the worker");
    // Nothing was touched.
    expect(await db.fingerprint()).toEqual(before);
  });
});
