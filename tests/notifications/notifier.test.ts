import { HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError } from "../../db/errors";
import { createStores, type Stores } from "../../db/stores/index";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import {
  captureLogs,
  FALLBACK_WEBHOOK,
  fakeEndpoints,
  finishedTask,
  manualClock,
  notificationsFor,
  SENDGRID_KEY,
  WEBHOOK,
} from "./support";

const server = setupServer();
let testDb: TestDatabase;
let stores: Stores;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: "error" });
  testDb = await createTestDatabase("sqlite");
  stores = createStores(testDb.database);
});
afterEach(() => server.resetHandlers());
afterAll(async () => {
  server.close();
  await testDb?.destroy();
});

async function projectWith(settings: { teamsWebhookUrl: string | null; emailList: string[] }) {
  const project = await stores.projects.create({ name: `p-${Math.random().toString(36).slice(2, 8)}` });
  await stores.notificationSettings.put(project.id, settings);
  return project;
}

describe("test notifications (POST /api/notifications/test)", () => {
  it("sends to every configured route now and reports each outcome", async () => {
    const endpoints = fakeEndpoints(server);
    endpoints.replyEmail(() => HttpResponse.json({ errors: [{ message: "forbidden" }] }, { status: 403 }));
    const project = await projectWith({ teamsWebhookUrl: WEBHOOK, emailList: ["ops@contoso.com"] });
    const { notifier } = notificationsFor(stores, manualClock());
    const outcomes = await notifier.sendTest(project.id, "alice@contoso.com");
    expect(outcomes).toEqual([
      { channel: "teams", target: "contoso.webhook.office.com", status: "delivered" },
      { channel: "email", target: "ops@contoso.com", status: "failed", reason: "SendGrid answered HTTP 403" },
    ]);
    const card = endpoints.cards()[0] as { body: Array<{ text: string }> };
    expect(card.body[0]?.text).toBe(`Test notification for ${project.name}`);
    expect(endpoints.emails[0]).toMatchObject({
      subject: `[CloudOps] Test notification for ${project.name}`,
      personalizations: [{ to: [{ email: "ops@contoso.com" }] }],
    });
    // A test goes out at once and leaves nothing in the outbox (no window, no retries).
    expect(await stores.notificationOutbox.list()).toEqual([]);
  });

  it("says which routes are not configured, and refuses unknown projects", async () => {
    fakeEndpoints(server);
    const project = await projectWith({ teamsWebhookUrl: null, emailList: [] });
    const { notifier } = notificationsFor(stores, manualClock(), {
      config: { teamsWebhookUrl: FALLBACK_WEBHOOK },
    });
    expect(await notifier.sendTest(project.id, "alice")).toEqual([
      { channel: "teams", target: "prod-07.westeurope.logic.azure.com", status: "delivered" },
      { channel: "email", target: "", status: "skipped", reason: "No email recipients are configured" },
    ]);
    await expect(notifier.sendTest("prj_00000000000000000000000000", "alice")).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("refuses webhook URLs that are not https on an allowed host when they are saved", () => {
    const { notifier } = notificationsFor(stores, manualClock(), { config: { allowedHosts: ["127.0.0.1"] } });
    expect(notifier.validateWebhookUrl(WEBHOOK)).toEqual({ ok: true });
    expect(notifier.validateWebhookUrl("ftp://contoso.webhook.office.com/x")).toMatchObject({ ok: false });
    expect(notifier.validateWebhookUrl("https://hooks.example.com/x")).toMatchObject({ ok: false });
    expect(notifier.validateWebhookUrl("http://contoso.webhook.office.com/x")).toMatchObject({ ok: false });
    expect(notifier.validateWebhookUrl("http://127.0.0.1:9999/teams")).toEqual({ ok: true });
  });
});

describe("secrets", () => {
  it("never writes webhook URLs or the SendGrid key to logs or stored errors", async () => {
    const endpoints = fakeEndpoints(server);
    const capture = captureLogs();
    try {
      const clock = manualClock();
      const project = await projectWith({ teamsWebhookUrl: WEBHOOK, emailList: ["ops@contoso.com"] });
      const n = notificationsFor(stores, clock, {
        logger: capture.logger,
        config: { teamsWebhookUrl: "https://evil.example.com/hook/fallbackS3cret" },
      });
      endpoints.replyTeams(
        () => new HttpResponse("bad", { status: 503 }),
        () => HttpResponse.error(),
      );
      endpoints.replyEmail(() => HttpResponse.json({ errors: [{ message: "bad key" }] }, { status: 401 }));
      const task = await finishedTask(stores, {
        type: "k8s.restart",
        entityId: "prod/api",
        projectId: project.id,
        status: "failed",
      });
      await n.trigger.onTaskFinished(task);
      await n.dispatcher.tick();
      clock.advance(300);
      await n.dispatcher.tick();
      clock.advance(300);
      await n.dispatcher.tick();
      await n.notifier.sendTest(project.id, "alice");
      // A project without its own webhook falls back to a refused URL: logged by host only.
      const orphan = await projectWith({ teamsWebhookUrl: null, emailList: [] });
      const other = await finishedTask(stores, {
        type: "k8s.restart",
        entityId: "prod/x",
        projectId: orphan.id,
        status: "failed",
      });
      expect(await n.trigger.onTaskFinished(other)).toBe(0);

      const logs = capture.lines.join("");
      expect(logs).toContain("notification delivered");
      expect(logs).toContain("evil.example.com");
      const stored = JSON.stringify((await stores.notificationOutbox.list()).map((r) => r.lastError));
      for (const secret of [
        "s3cr3tT0ken",
        "IncomingWebhook",
        "fallbackS3cret",
        SENDGRID_KEY,
        "never-log-me",
      ]) {
        expect(logs).not.toContain(secret);
        expect(stored).not.toContain(secret);
      }
    } finally {
      capture.restore();
    }
  });
});
