import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, seedProject, TEST_INTERNAL_TOKEN, type TestApi } from "../support/api-harness";

describe("audit of every mutating request", () => {
  let api: TestApi;
  let projectId: string;

  beforeAll(async () => {
    api = await createTestApi({ env: { RATE_LIMIT_PER_MINUTE: "2" } });
    projectId = (await seedProject(api)).project.id;
  });
  afterAll(async () => api?.close());

  const latest = async () => (await api.t.stores.audit.recent(1))[0];

  it("records who, role, source, action, entity and outcome of an accepted change", async () => {
    const res = await api.as("operator", "olga")("/api/db/azure-sql/billing/backup", { method: "POST" });
    expect(res.status).toBe(202);
    const { taskId } = (await res.json()) as { taskId: string };
    expect(await latest()).toMatchObject({
      actor: "olga",
      role: "operator",
      source: "api",
      action: "db.backup",
      entity: "azure-sql/billing",
      outcome: "accepted",
      requestId: res.headers.get("x-request-id"),
      detail: expect.objectContaining({ status: 202, taskId }),
    });
  });

  it("records refused, denied and rate-limited attempts too", async () => {
    await api.as("viewer", "vic")("/api/k8s/workloads/shop/web:restart", { method: "POST" });
    expect(await latest()).toMatchObject({
      actor: "vic",
      action: "k8s.restart",
      entity: "shop/web",
      outcome: "denied",
    });

    await api.as("operator", "olga")("/api/tasks/tsk_01jd2x5k8m0000abcdefghjkmn/cancel", { method: "POST" });
    expect(await latest()).toMatchObject({
      action: "task.cancel",
      entity: "tsk_01jd2x5k8m0000abcdefghjkmn",
      outcome: "rejected",
    });

    await api.as("operator", "olga")("/api/db/azure-sql/billing/backup", { method: "POST" });
    expect(await latest()).toMatchObject({ action: "db.backup", outcome: "rate_limited" });
  });

  it("records the bot as the source when it acts for a user", async () => {
    await api.app.request("/api/k8s/workloads/shop/api:restart", {
      method: "POST",
      headers: {
        "x-internal-token": TEST_INTERNAL_TOKEN,
        "x-acting-user": "bob@contoso.com",
        "x-acting-role": "operator",
        "x-acting-source": "bot",
      },
    });
    expect(await latest()).toMatchObject({
      actor: "bob@contoso.com",
      source: "bot",
      action: "k8s.restart",
      outcome: "accepted",
    });
  });

  it("never writes a webhook URL or its secret path into the audit log", async () => {
    const url = "https://contoso.webhook.office.com/webhookb2/very-secret-path?sig=abc123";
    const res = await api.as("admin", "ada")(`/api/projects/${projectId}/notifications`, {
      method: "PUT",
      body: { teamsWebhookUrl: url, emailList: ["ops@contoso.com"] },
    });
    expect(res.status).toBe(200);
    const row = await latest();
    expect(row).toMatchObject({ action: "notifications.update", entity: projectId, outcome: "accepted" });
    const all = JSON.stringify(await api.t.stores.audit.recent(100));
    expect(all).not.toContain("very-secret-path");
    expect(all).not.toContain("abc123");
  });

  it("does not audit reads", async () => {
    const before = (await api.t.stores.audit.recent(1000)).length;
    await api.as("viewer")("/api/tasks");
    await api.as("viewer")(`/api/projects/${projectId}`);
    expect((await api.t.stores.audit.recent(1000)).length).toBe(before);
  });
});
