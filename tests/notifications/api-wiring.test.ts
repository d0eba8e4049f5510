import { HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { NotifierPort } from "../../domain/notifier-port";
import { createTestApi, seedProject, type TestApi } from "../support/api-harness";
import { fakeEndpoints, manualClock, notificationsFor, WEBHOOK } from "./support";

const server = setupServer();

describe("notifications through the HTTP API", () => {
  let api: TestApi;
  let projectId: string;
  let notifier: NotifierPort | undefined;
  // The API is built before its stores exist, so it gets a notifier that forwards to the real one.
  const forward: NotifierPort = {
    validateWebhookUrl: (url) => (notifier as NotifierPort).validateWebhookUrl(url),
    sendTest: (id, by) => (notifier as NotifierPort).sendTest(id, by),
  };

  beforeAll(async () => {
    server.listen({ onUnhandledRequest: "error" });
    api = await createTestApi({ notifier: forward });
    notifier = notificationsFor(api.t.stores, manualClock(), {
      config: { allowedHosts: ["127.0.0.1"] },
    }).notifier;
    projectId = (await seedProject(api)).project.id;
  });
  afterEach(() => server.resetHandlers());
  afterAll(async () => {
    server.close();
    await api?.close();
  });

  const put = (teamsWebhookUrl: string) =>
    api.as("admin")(`/api/projects/${projectId}/notifications`, {
      method: "PUT",
      body: { teamsWebhookUrl, emailList: ["ops@contoso.com"] },
    });

  it.each([
    ["a scheme other than https", "http://contoso.webhook.office.com/webhookb2/x", "must use https"],
    ["a host that is not a webhook host", "https://attacker.example/hook", "not a Teams webhook host"],
    ["plain http to a host that is not loopback", "http://attacker.example/hook", "not a Teams webhook host"],
  ])("refuses %s with 422 and a clear reason when saved", async (_, url, reason) => {
    const res = await put(url);
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      code: "webhook_url_not_allowed",
      detail: expect.stringContaining(reason),
    });
    expect(await api.t.stores.notificationSettings.get(projectId)).toBeNull();
  });

  it("saves an allowed webhook, tests every route and keeps the URL out of audit rows and viewer answers", async () => {
    const endpoints = fakeEndpoints(server);
    endpoints.replyEmail(() => new HttpResponse(null, { status: 202 }));
    expect((await put(WEBHOOK)).status).toBe(200);
    const res = await api.as("admin", "ada")("/api/notifications/test", {
      method: "POST",
      body: { projectId },
    });
    expect(await res.json()).toEqual({
      projectId,
      sent: true,
      outcomes: [
        { channel: "teams", target: "contoso.webhook.office.com", status: "delivered" },
        { channel: "email", target: "ops@contoso.com", status: "delivered" },
      ],
    });
    expect(endpoints.teams).toHaveLength(1);
    expect(endpoints.emails).toHaveLength(1);
    const viewer = await (await api.as("viewer")(`/api/projects/${projectId}/notifications`)).text();
    const auditRows = await api.t.testDb.database.db.select().from(api.t.testDb.database.schema.auditLog);
    expect(auditRows.map((r) => r.action)).toEqual(expect.arrayContaining(["notifications.test"]));
    for (const text of [viewer, JSON.stringify(auditRows)]) expect(text).not.toContain("s3cr3tT0ken");
  });
});
