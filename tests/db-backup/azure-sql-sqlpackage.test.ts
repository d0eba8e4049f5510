import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type TestApi } from "../support/api-harness";

// SQL Server cannot run here: SqlPackage is played by tests/doubles/fake-sqlpackage.mjs, which checks
// the arguments it gets and writes or reads a .bacpac file. The streaming into and out of the artifact
// store, the checksums and the task flow are the product's own.
const FAKE = resolve(import.meta.dirname, "../doubles/fake-sqlpackage.mjs");
const CONNECTION =
  "Server=tcp:billing.database.windows.net,1433;Database=billing;User ID=app;Password=Sql-s3cret";

describe("azure-sql backup and restore through SqlPackage", () => {
  let api: TestApi;
  let dir: string;
  const calls = () =>
    readFileSync(join(dir, "calls.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, string>);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "cloudops-sqlpackage-"));
    process.env.FAKE_SQLPACKAGE_LOG = join(dir, "calls.jsonl");
    api = await createTestApi({
      env: { DB_INSTANCES: JSON.stringify({ billing: { engine: "azure-sql", url: CONNECTION } }) },
      startWorker: true,
      sqlPackagePath: FAKE,
    });
  });
  afterAll(async () => {
    await api?.close();
    delete process.env.FAKE_SQLPACKAGE_LOG;
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (path: string, body?: unknown) => {
    const res = await api.as("operator")(path, { method: "POST", body });
    expect(res.status).toBe(202);
    const { taskId } = (await res.json()) as { taskId: string };
    return api.t.waitForStatus(taskId, ["succeeded", "failed"], 60_000);
  };

  it("exports a .bacpac into the store and imports it back, passing SqlPackage the right arguments", async () => {
    const backup = await run("/api/db/azure-sql/billing/backup");
    expect(backup.status, JSON.stringify(backup.error)).toBe("succeeded");
    const [artifact] = await api.t.stores.artifacts.list({ instanceId: "billing" });
    expect(artifact?.path).toMatch(/^backups\/azure-sql\/billing\/.+\.bacpac$/);
    expect(artifact?.size).toBeGreaterThan(256 * 1024);
    const content = readFileSync(join(api.t.dataDir, ...String(artifact?.path).split("/")));
    expect(content.subarray(0, 4).toString("latin1")).toBe("PK\x03\x04");

    const restore = await run("/api/db/azure-sql/billing/restore", { artifactId: artifact?.id });
    expect(restore.status, JSON.stringify(restore.error)).toBe("succeeded");
    const [exportCall, importCall] = calls();
    expect(exportCall).toMatchObject({ Action: "Export", SourceConnectionString: CONNECTION });
    expect(importCall).toMatchObject({ Action: "Import", TargetConnectionString: CONNECTION });
    expect(importCall?.SourceFile).toMatch(/\.bacpac$/);

    const logs = (await api.t.stores.taskEvents.logs(backup.id, { limit: 100 }))
      .map((l) => l.message)
      .join("\n");
    expect(logs).not.toContain("Sql-s3cret");
  });

  it("fails permanently naming SQLPACKAGE_PATH when SqlPackage is missing", async () => {
    const missing = await createTestApi({
      env: { DB_INSTANCES: JSON.stringify({ billing: { engine: "azure-sql", url: CONNECTION } }) },
      startWorker: true,
      sqlPackagePath: join(dir, "no-such-sqlpackage"),
    });
    try {
      const res = await missing.as("operator")("/api/db/azure-sql/billing/backup", { method: "POST" });
      const { taskId } = (await res.json()) as { taskId: string };
      const task = await missing.t.waitForStatus(taskId, ["succeeded", "failed"], 60_000);
      expect(task.status).toBe("failed");
      expect(task.error).toMatchObject({
        code: "sqlpackage_not_found",
        hint: expect.stringContaining("SQLPACKAGE_PATH"),
      });
      expect(await missing.t.stores.artifacts.list({ instanceId: "billing" })).toEqual([]);
    } finally {
      await missing.close();
    }
  });
});
