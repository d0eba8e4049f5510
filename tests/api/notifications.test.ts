import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NotifierPort, RouteOutcome } from "../../domain/notifier-port";
import { createTestApi, seedProject, type TestApi } from "../support/api-harness";

const URL_SECRET = "https://contoso.webhook.office.com/webhookb2/secret-part";

describe("notification settings without a notifier", () => {
  let api: TestApi;
  let projectId: string;

  beforeAll(async () => {
    api = await createTestApi();
    projectId = (await seedProject(api)).project.id;
  });
  afterAll(async () => api?.close());

  it("answers defaults for a project that never set any", async () => {
    const res = await api.as("viewer")(`/api/projects/${projectId}/notifications`);
    expect(await res.json()).toEqual({
      projectId,
      teamsWebhookUrl: null,
      teamsWebhookConfigured: false,
      emailList: [],
      notifyOn: null,
      updatedAt: null,
    });
  });

  it("shows the webhook URL in full to admins only; viewers and operators see the host", async () => {
    const put = await api.as("admin")(`/api/projects/${projectId}/notifications`, {
      method: "PUT",
      body: { teamsWebhookUrl: URL_SECRET, emailList: ["ops@contoso.com"], notifyOn: ["failed"] },
    });
    expect(put.status).toBe(200);
    for (const role of ["viewer", "operator"] as const) {
      const text = await (await api.as(role)(`/api/projects/${projectId}/notifications`)).text();
      expect(text).not.toContain("secret-part");
      expect(JSON.parse(text)).toMatchObject({
        teamsWebhookUrl: "https://contoso.webhook.office.com/…",
        teamsWebhookConfigured: true,
        emailList: ["ops@contoso.com"],
        notifyOn: ["failed"],
      });
    }
    const admin = await (await api.as("admin")(`/api/projects/${projectId}/notifications`)).json();
    expect(admin).toMatchObject({ teamsWebhookUrl: URL_SECRET });
  });

  it("refuses bad email addresses and non-http webhook URLs", async () => {
    for (const body of [
      { teamsWebhookUrl: null, emailList: ["not-an-email"] },
      { teamsWebhookUrl: "ftp://x.example/hook", emailList: [] },
      { teamsWebhookUrl: null, emailList: [], notifyOn: ["whenever"] },
    ]) {
      const res = await api.as("admin")(`/api/projects/${projectId}/notifications`, { method: "PUT", body });
      expect(res.status).toBe(400);
    }
  });

  it("answers what a test would send when sending is not configured", async () => {
    const res = await api.as("admin")("/api/notifications/test", { method: "POST", body: { projectId } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      projectId,
      sent: false,
      outcomes: [
        { channel: "teams", target: "contoso.webhook.office.com", status: "would_send" },
        { channel: "email", target: "ops@contoso.com", status: "would_send" },
      ],
    });
  });

  it("answers 404 for a test of an unknown project", async () => {
    const res = await api.as("admin")("/api/notifications/test", {
      method: "POST",
      body: { projectId: "prj_01jd2x5k8m0000abcdefghjkmn" },
    });
    expect(res.status).toBe(404);
  });
});

describe("notification settings with a notifier", () => {
  let api: TestApi;
  let projectId: string;
  const sent: Array<[string, string]> = [];
  const notifier: NotifierPort = {
    validateWebhookUrl: (url) =>
      url.startsWith("https://contoso.webhook.office.com/")
        ? { ok: true }
        : { ok: false, reason: "The host is not in NOTIFY_ALLOWED_HOSTS" },
    async sendTest(projectId, requestedBy): Promise<RouteOutcome[]> {
      sent.push([projectId, requestedBy]);
      return [{ channel: "teams", target: "contoso.webhook.office.com", status: "delivered" }];
    },
  };

  beforeAll(async () => {
    api = await createTestApi({ notifier });
    projectId = (await seedProject(api)).project.id;
  });
  afterAll(async () => api?.close());

  it("refuses a webhook URL the notifier does not allow with 422 and its reason", async () => {
    const res = await api.as("admin")(`/api/projects/${projectId}/notifications`, {
      method: "PUT",
      body: { teamsWebhookUrl: "https://attacker.example/hook", emailList: [] },
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      code: "webhook_url_not_allowed",
      detail: "The host is not in NOTIFY_ALLOWED_HOSTS",
    });
    expect(await api.t.stores.notificationSettings.get(projectId)).toBeNull();
  });

  it("sends the test through the notifier as the caller", async () => {
    const res = await api.as("admin", "ada")("/api/notifications/test", {
      method: "POST",
      body: { projectId },
    });
    expect(await res.json()).toEqual({
      projectId,
      sent: true,
      outcomes: [{ channel: "teams", target: "contoso.webhook.office.com", status: "delivered" }],
    });
    expect(sent).toEqual([[projectId, "ada"]]);
  });
});
