import { afterEach, describe, expect, it } from "vitest";
import { buildTaskCard } from "../../cards/task-card";
import type { TaskDetail } from "../../contracts/tasks";
import { createTestApi, seedProject, TEST_INTERNAL_TOKEN, type TestApi } from "../support/api-harness";

type Json = Record<string, unknown>;

describe("database instances and demo mode", () => {
  let api: TestApi | null = null;
  afterEach(async () => {
    await api?.close();
    api = null;
  });

  /** An API where orders-db is tied to shop/prod and orders-copy to shop/dev, with a backup row of orders-db. */
  async function prodTiedApi(options: { startWorker: boolean }) {
    const made = await createTestApi({
      startWorker: options.startWorker,
      env: {
        DB_INSTANCES: JSON.stringify({
          "orders-db": {
            engine: "azure-postgres",
            url: "postgres://app:pw@db.example.com/orders",
            environment: "shop/prod",
          },
          "orders-copy": {
            engine: "azure-postgres",
            url: "postgres://app:pw@db.example.com/copy",
            environment: "shop/dev",
          },
        }),
      },
    });
    api = made;
    await seedProject(made);
    const artifact = await made.t.stores.artifacts.create({
      kind: "backup",
      path: "backups/azure-postgres/orders-db/x.dump",
      size: 1,
      sha256: "0".repeat(64),
      taskId: null,
      engine: "azure-postgres",
      instanceId: "orders-db",
    });
    return { artifact };
  }

  it("simulates a backup in demo mode without DB_INSTANCES and says so in every log line, step and card", async () => {
    api = await createTestApi({ startWorker: true });
    const res = await api.as("operator")("/api/db/azure-postgres/any-name/backup", { method: "POST" });
    expect(res.status).toBe(202);
    const { taskId } = (await res.json()) as { taskId: string };
    expect((await api.t.waitForStatus(taskId, ["succeeded", "failed"])).status).toBe("succeeded");
    const task = (await (await api.as("viewer")(`/api/tasks/${taskId}`)).json()) as TaskDetail;
    expect(task.logs.length).toBeGreaterThan(1);
    for (const line of task.logs) expect(line.message).toMatch(/simulated/i);
    // Progress messages (shown while a step runs) say it too; a finished step keeps no message.
    const events = await api.t.stores.taskEvents.listForTask(taskId);
    const messages = events.flatMap((e) => (e.data.kind === "progress" ? [String(e.data.message)] : []));
    expect(messages.length).toBeGreaterThan(0);
    for (const message of messages) expect(message).toMatch(/simulated/i);
    expect(task.result).toMatchObject({ simulated: true });
    const card = JSON.stringify(buildTaskCard(task, { publicUrl: "http://localhost:3000" }));
    expect(card).toMatch(/Simulated/);
    const artifacts = (await (await api.as("viewer")("/api/artifacts?instanceId=any-name")).json()) as {
      items: Json[];
    };
    expect(artifacts.items[0]).toMatchObject({ simulated: true, tool: "simulator" });
    expect(await (await api.as("viewer")("/api/db/instances")).json()).toEqual({
      simulated: true,
      items: [],
    });
  });

  it("with DB_INSTANCES, refuses ids that are not configured (404 at submit) even in demo mode", async () => {
    api = await createTestApi({
      env: { DB_INSTANCES: "orders-db=postgres://app:pw@db.example.com/orders" },
    });
    const backup = await api.as("operator")("/api/db/azure-postgres/other-db/backup", { method: "POST" });
    expect(backup.status).toBe(404);
    expect(await backup.json()).toMatchObject({
      code: "instance_not_found",
      hint: expect.stringContaining("DB_INSTANCES"),
    });
    const list = await api.as("viewer")("/api/db/azure-postgres/other-db/backups");
    expect(list.status).toBe(404);
    expect((await api.t.stores.tasks.list({ limit: 10 })).items).toEqual([]);
    expect(
      (await api.as("operator")("/api/db/azure-postgres/orders-db/backup", { method: "POST" })).status,
    ).toBe(202);
  });

  it("refuses every instance in production mode without DB_INSTANCES (no simulator outside demo)", async () => {
    api = await createTestApi({
      env: { DEMO_MODE: "false", OIDC_ISSUER: "https://login.example.com/tenant/v2.0" },
    });
    // The bot's way in (internal token, acting user and role): no identity provider needed for this test.
    const res = await api.app.request("/api/db/azure-postgres/orders/backup", {
      method: "POST",
      headers: {
        "x-internal-token": TEST_INTERNAL_TOKEN,
        "x-acting-user": "olga",
        "x-acting-role": "operator",
        "x-acting-source": "bot",
      },
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(404);
    expect(body).toMatchObject({ code: "instance_not_found" });
  });

  it("lets only an admin restore into an instance tied to a prod environment", async () => {
    const { artifact } = await prodTiedApi({ startWorker: false });
    const restore = (role: "operator" | "admin", target: string) =>
      api?.as(role)("/api/db/azure-postgres/orders-db/restore", {
        method: "POST",
        body: { artifactId: artifact.id, target },
      });
    const refused = await restore("operator", "orders-db");
    expect(refused?.status).toBe(403);
    expect(await refused?.json()).toMatchObject({ code: "prod_restore_requires_admin" });
    expect((await restore("operator", "orders-copy"))?.status).toBe(202);
    expect((await restore("admin", "orders-db"))?.status).toBe(202);
    expect((await restore("admin", "not-there"))?.status).toBe(404);
  });

  it("holds the prod restore rule on task retry and dead-letter retry too, not only at submit", async () => {
    // The backup's file is gone: the admin's restore fails permanently and lands in the dead letters.
    const { artifact } = await prodTiedApi({ startWorker: true });
    if (!api) throw new Error("no api");
    const submitted = await api.as("admin")("/api/db/azure-postgres/orders-db/restore", {
      method: "POST",
      body: { artifactId: artifact.id },
    });
    expect(submitted.status).toBe(202);
    const { taskId } = (await submitted.json()) as { taskId: string };
    const failed = await api.t.waitForStatus(taskId, ["failed", "succeeded"], 30_000);
    expect(failed.error).toMatchObject({ code: "artifact_missing" });
    const letter = (await api.t.stores.deadLetters.list({ status: "open" })).items.find(
      (l) => l.taskId === taskId,
    );
    expect(letter).toBeDefined();

    const retry = await api.as("operator")(`/api/tasks/${taskId}/retry`, { method: "POST", body: {} });
    expect(retry.status).toBe(403);
    expect(await retry.json()).toMatchObject({ code: "prod_restore_requires_admin" });
    const dlqRetry = await api.as("operator")(`/api/dlq/${letter?.id}/retry`, { method: "POST", body: {} });
    expect(dlqRetry.status).toBe(403);
    expect(await dlqRetry.json()).toMatchObject({ code: "prod_restore_requires_admin" });
    // Nothing moved: the task is still failed and its dead letter still open.
    expect((await api.t.stores.tasks.get(taskId))?.status).toBe("failed");
    expect((await api.t.stores.deadLetters.get(letter?.id ?? ""))?.status).toBe("open");

    const adminRetry = await api.as("admin")(`/api/dlq/${letter?.id}/retry`, { method: "POST", body: {} });
    expect(adminRetry.status).toBe(202);
  });
});
