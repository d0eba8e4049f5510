import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type TestApi } from "../support/api-harness";

// A restore into a database instance tied to a production environment stops after its artifact
// check until a second person approves; the import then runs only the bytes that were approved.
// SqlPackage is played by tests/doubles/fake-sqlpackage.mjs (SQL Server cannot run here).
const FAKE = resolve(import.meta.dirname, "../doubles/fake-sqlpackage.mjs");
const CONNECTION =
  "Server=tcp:billing.database.windows.net,1433;Database=billing;User ID=app;Password=Sql-s3cret";

describe("restore into a production instance waits for approval", () => {
  let api: TestApi;
  let dir: string;
  const actions = () =>
    existsSync(join(dir, "calls.jsonl"))
      ? readFileSync(join(dir, "calls.jsonl"), "utf8")
          .trim()
          .split("\n")
          .map((l) => (JSON.parse(l) as { Action: string }).Action)
      : [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "cloudops-restore-approval-"));
    process.env.FAKE_SQLPACKAGE_LOG = join(dir, "calls.jsonl");
    api = await createTestApi({
      env: {
        DB_INSTANCES: JSON.stringify({
          billing: { engine: "azure-sql", url: CONNECTION, environment: "shop/prod" },
        }),
      },
      startWorker: true,
      sqlPackagePath: FAKE,
    });
    const project = await api.t.stores.projects.create({ name: "shop" });
    await api.t.stores.environments.create(project.id, { name: "prod", type: "prod" });
  });
  afterAll(async () => {
    await api?.close();
    delete process.env.FAKE_SQLPACKAGE_LOG;
    rmSync(dir, { recursive: true, force: true });
  });

  async function backup(): Promise<string> {
    const res = await api.as("operator", "olga@contoso.com")("/api/db/azure-sql/billing/backup", {
      method: "POST",
    });
    const { taskId } = (await res.json()) as { taskId: string };
    const done = await api.t.waitForStatus(taskId, ["succeeded", "failed"], 60_000);
    expect(done.status, JSON.stringify(done.error)).toBe("succeeded");
    return String(done.result?.artifactId);
  }

  async function restore(artifactId: string): Promise<string> {
    const res = await api.as("admin", "ada@contoso.com")("/api/db/azure-sql/billing/restore", {
      method: "POST",
      body: { artifactId },
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { taskId: string }).taskId;
  }

  it("stops after the artifact check, and imports once another person approves", async () => {
    const artifactId = await backup();
    const taskId = await restore(artifactId);
    const waiting = await api.t.waitForStatus(taskId, ["awaiting_approval", "succeeded", "failed"], 60_000);
    expect(waiting.status).toBe("awaiting_approval");
    expect((await api.t.stores.tasks.steps(taskId)).map((s) => s.status)).toEqual([
      "succeeded",
      "pending",
      "pending",
    ]);
    expect(actions()).not.toContain("Import");
    expect(waiting.approval?.lines[0]).toMatch(
      new RegExp(`Restore backup ${artifactId} .* into azure-sql instance billing`),
    );
    expect(waiting.approval?.summary).toBe(`restore ${artifactId} into billing (shop/prod)`);

    const self = await api.as("admin", "ada@contoso.com")(`/api/tasks/${taskId}/approve`, {
      method: "POST",
      body: {},
    });
    expect(self.status).toBe(403);
    const ok = await api.as("operator", "olga@contoso.com")(`/api/tasks/${taskId}/approve`, {
      method: "POST",
      body: { planSha256: waiting.approval?.planSha256 },
    });
    expect(ok.status).toBe(202);
    const done = await api.t.waitForStatus(taskId, ["succeeded", "failed"], 60_000);
    expect(done.status, JSON.stringify(done.error)).toBe("succeeded");
    expect(actions()).toContain("Import");
  });

  it("refuses to import a backup file that changed while the restore waited", async () => {
    const artifactId = await backup();
    const taskId = await restore(artifactId);
    await api.t.waitForStatus(taskId, ["awaiting_approval"], 60_000);
    const artifact = await api.t.stores.artifacts.get(artifactId);
    appendFileSync(join(api.t.dataDir, ...String(artifact?.path).split("/")), "tampered");
    const imports = actions().filter((a) => a === "Import").length;
    const ok = await api.as("operator", "olga@contoso.com")(`/api/tasks/${taskId}/approve`, {
      method: "POST",
      body: {},
    });
    expect(ok.status).toBe(202);
    const failed = await api.t.waitForStatus(taskId, ["succeeded", "failed"], 60_000);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatchObject({ code: "plan_checksum_mismatch" });
    expect(actions().filter((a) => a === "Import").length).toBe(imports);
  });
});
