import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ArtifactStore } from "../../platform/artifacts/artifact-store";
import { createAzureBlobArtifactStore } from "../../platform/artifacts/azure-blob-artifact-store";
import { createTestApi, type TestApi } from "../support/api-harness";
import { type Azurite, startAzurite } from "../support/azurite";
import { postgresUrl } from "../support/services";
import { createSourceDatabase, fillShop, type SourceDatabase } from "../support/source-database";

type Json = Record<string, unknown>;

const STORES = ["local", "azure-blob"] as const;

describe.skipIf(!postgresUrl).each(STORES)(
  "azure-postgres backup and restore on a real PostgreSQL, %s store",
  (kind) => {
    let api: TestApi;
    let db: SourceDatabase;
    let azurite: Azurite | null = null;
    let store: ArtifactStore | undefined;
    const instance = "shop-db";

    beforeAll(async () => {
      db = await createSourceDatabase();
      await fillShop(db);
      if (kind === "azure-blob") {
        azurite = await startAzurite();
        store = createAzureBlobArtifactStore({
          connectionString: azurite.connectionString,
          container: "backups-test",
        });
      }
      api = await createTestApi({
        artifactStore: store,
        env: {
          DB_INSTANCES: JSON.stringify({ [instance]: { engine: "azure-postgres", url: db.url } }),
          RATE_LIMIT_PER_MINUTE: "1000",
        },
        startWorker: true,
      });
    });
    afterAll(async () => {
      await api?.close();
      await db?.drop();
      await azurite?.stop();
    });

    const op = () => api.as("operator");
    const run = async (path: string, body?: unknown) => {
      const res = await op()(path, { method: "POST", body });
      expect(res.status, await res.clone().text()).toBe(202);
      const { taskId } = (await res.json()) as { taskId: string };
      return api.t.waitForStatus(taskId, ["succeeded", "failed", "cancelled"], 180_000);
    };
    const logsOf = async (taskId: string) =>
      (
        (await (await op()(`/api/tasks/${taskId}/logs?limit=500`)).json()) as { items: { message: string }[] }
      ).items
        .map((l) => l.message)
        .join("\n");

    it("backs up through the API, and restores deleted rows and a dropped table exactly", async () => {
      const before = await db.fingerprint();
      expect(Object.values(before).reduce((n, t) => n + t.rows, 0)).toBe(10_000);

      const backup = await run(`/api/db/azure-postgres/${instance}/backup`);
      expect(backup.status, JSON.stringify(backup.error)).toBe("succeeded");

      const list = (await (await op()(`/api/artifacts?instanceId=${instance}`)).json()) as { items: Json[] };
      expect(list.items).toHaveLength(1);
      const artifact = list.items[0] as Json;
      expect(artifact).toMatchObject({
        kind: "backup",
        engine: "azure-postgres",
        taskId: backup.id,
        tableCount: 3,
        simulated: false,
        serverVersion: expect.stringMatching(/^\d+/),
        tool: expect.stringMatching(/^pg_dump \d+/),
      });
      expect(artifact.durationMs).toEqual(expect.any(Number));

      // The download is the pg_dump custom-format archive whose sha256 was recorded on the way in.
      const download = await op()(`/api/artifacts/${String(artifact.id)}/content`);
      expect(download.status).toBe(200);
      const bytes = Buffer.from(await download.arrayBuffer());
      expect(bytes.subarray(0, 5).toString()).toBe("PGDMP");
      expect(bytes.length).toBe(artifact.size);
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(artifact.sha256);
      expect(download.headers.get("x-content-sha256")).toBe(artifact.sha256);
      expect((await api.t.stores.audit.recent(1))[0]).toMatchObject({
        action: "artifact.download",
        actor: "demo-operator",
        entity: `azure-postgres/${instance}`,
        outcome: "accepted",
      });
      expect((await api.as("viewer")(`/api/artifacts/${String(artifact.id)}/content`)).status).toBe(403);

      await db.query(
        "delete from orders where id % 3 = 0; delete from customers where id > 1990 and id not in (select customer_id from orders); drop table notes;",
      );
      expect((await db.fingerprint())["public.orders"]?.rows).toBeLessThan(7000);

      const restore = await run(`/api/db/azure-postgres/${instance}/restore`, { artifactId: artifact.id });
      expect(restore.status, JSON.stringify(restore.error)).toBe("succeeded");
      expect(restore.result).toMatchObject({ tables: 3, rows: 10_000 });
      expect(await db.fingerprint()).toEqual(before);
      const [index] = await db.query(
        "select indexname from pg_indexes where indexname = 'orders_customer_idx'",
      );
      expect(index).toBeDefined();
      const [view] = await db.query<{ n: string }>("select count(*) as n from customer_totals");
      expect(Number(view?.n)).toBe(2000);

      const logs = await logsOf(restore.id);
      expect(logs).toContain("Restored 3 table(s), 10000 row(s)");
      expect(logs).not.toMatch(/simulated/i);
    });

    it("never shows the instance URL or password in logs, events or API answers", async () => {
      const backup = await run(`/api/db/azure-postgres/${instance}/backup`);
      const seen = [
        await logsOf(backup.id),
        await (await op()(`/api/tasks/${backup.id}`)).text(),
        await (await op()("/api/artifacts")).text(),
        await (await op()("/api/db/instances")).text(),
        JSON.stringify(await api.t.stores.taskEvents.logs(backup.id, { limit: 500 })),
      ].join("\n");
      expect(seen).not.toContain(db.password);
      expect(seen).not.toContain(db.name);
      expect(await (await op()("/api/db/instances")).json()).toEqual({
        simulated: false,
        items: [{ id: instance, engine: "azure-postgres" }],
      });
    });

    it("refuses a corrupted artifact before touching the database", async () => {
      const backup = await run(`/api/db/azure-postgres/${instance}/backup`);
      const artifact = await api.t.stores.artifacts.get(`art_${backup.id.slice(4)}`);
      expect(artifact).not.toBeNull();
      // Same key, other bytes: what a damaged disk or a tampered blob looks like to the restore.
      await api.deps.artifactStore?.put(
        String(artifact?.path),
        Readable.from([Buffer.from("PGDMP but not the bytes you stored")]),
      );
      await db.query("insert into notes values (100001, 'written after the backup')");
      const restore = await run(`/api/db/azure-postgres/${instance}/restore`, { artifactId: artifact?.id });
      expect(restore.status).toBe("failed");
      expect(restore.error).toMatchObject({ code: "artifact_corrupt" });
      expect(await db.query("select id from notes where id = 100001")).toHaveLength(1);
    });

    it("answers an unknown instance with 404 at submit time, creating no task", async () => {
      const res = await op()("/api/db/azure-postgres/not-configured/backup", { method: "POST" });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: "instance_not_found" });
      const wrongEngine = await op()(`/api/db/azure-sql/${instance}/backup`, { method: "POST" });
      expect(wrongEngine.status).toBe(404);
      expect(readdirSync(api.t.dataDir, { recursive: true }).join()).not.toContain("not-configured");
    });
  },
);
