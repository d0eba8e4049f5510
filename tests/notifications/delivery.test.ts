import { HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { notificationCard } from "../../cards/notification-card";
import type { Notifications } from "../../worker/notifications/index";
import { dialectsUnderTest } from "../support/databases";
import { createTestEngine, type TestEngine } from "../support/engine-harness";
import {
  FALLBACK_WEBHOOK,
  fakeEndpoints,
  finishedTask,
  headlineOf,
  manualClock,
  notificationsFor,
  PUBLIC_URL,
  WEBHOOK,
} from "./support";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe.each(dialectsUnderTest())("notification delivery on %s", (dialect) => {
  let t: TestEngine;
  let notifications: Notifications;
  let clock: ReturnType<typeof manualClock>;
  let endpoints: ReturnType<typeof fakeEndpoints>;
  let projectId: string;
  let prodId: string;
  let devId: string;
  // The engine's finished-task hook per task, so a test can wait until its outbox rows are written
  // (the status is visible in the database a moment before the hook runs).
  const hooks = new Map<string, Promise<unknown>>();
  let askForApprovals = false;
  /** Waits for the task's end; a production deploy waiting for approval is approved by a second person. */
  const settled = async (taskId: string) => {
    const first = await t.waitForStatus(taskId, ["succeeded", "failed", "cancelled", "awaiting_approval"]);
    if (first.status === "awaiting_approval") await t.engine.tasks.approve(taskId, { id: "bob@contoso.com" });
    return t.waitForStatus(taskId, ["succeeded", "failed", "cancelled"]);
  };
  const finished = async (taskId: string) => {
    const task = await settled(taskId);
    for (let i = 0; i < 500 && !hooks.has(taskId); i++) await new Promise((r) => setTimeout(r, 10));
    await hooks.get(taskId);
    return task;
  };

  beforeAll(async () => {
    t = await createTestEngine({
      dialect,
      engine: {
        onTaskFinished: (task, tx) => {
          const written = notifications.trigger.onTaskFinished(task, tx);
          hooks.set(task.id, written);
          return written;
        },
        // Only the approval test writes approval requests, so the others count finished-task rows alone.
        onApprovalRequested: (task, tx) =>
          askForApprovals ? notifications.trigger.onApprovalRequested(task, tx) : Promise.resolve(0),
      },
    });
    await t.engine.startWorker();
  });
  afterAll(async () => t?.destroy());

  beforeEach(async () => {
    // Each test starts from an empty outbox; rows of earlier tests would share their windows.
    await t.testDb.database.db.delete(t.testDb.database.schema.notificationOutbox);
    askForApprovals = false;
    clock = manualClock();
    endpoints = fakeEndpoints(server);
    notifications = notificationsFor(t.stores, clock);
    // A fresh project per test keeps routes and windows apart.
    const project = await t.stores.projects.create({
      name: `shop-${Math.random().toString(36).slice(2, 8)}`,
    });
    projectId = project.id;
    prodId = (await t.stores.environments.create(projectId, { name: "prod", type: "prod" })).id;
    devId = (await t.stores.environments.create(projectId, { name: "dev", type: "dev" })).id;
    await t.stores.notificationSettings.put(projectId, {
      teamsWebhookUrl: WEBHOOK,
      emailList: ["ops@contoso.com", "oncall@contoso.com"],
    });
  });

  const restart = (status: "failed" | "cancelled", entityId = "prod/api") =>
    finishedTask(t.stores, { type: "k8s.restart", entityId, projectId, status });
  /** A failed restart whose notifications are in the outbox. */
  const notifiedFailure = async (entityId = "prod/api") => {
    const task = await restart("failed", entityId);
    await notifications.trigger.onTaskFinished(task);
    return task;
  };
  const teamsOnly = () =>
    t.stores.notificationSettings.put(projectId, { teamsWebhookUrl: WEBHOOK, emailList: [] });

  const deploy = (envId: string, extra: Record<string, unknown> = {}) =>
    t.engine.tasks.submit({
      type: "deploy",
      entityId: envId,
      projectId,
      payload: { projectId, envId, templateId: "web-app", ...extra },
      requestedBy: "alice@contoso.com",
      source: "api",
    });

  it("posts a failed deployment's card to the project's Teams webhook and emails its list", async () => {
    const { task } = await deploy(prodId, { failAt: "apply", failPermanently: true });
    const failed = await finished(task.id);
    expect(failed.status).toBe("failed");
    const written = await t.stores.notificationOutbox.list({ taskId: task.id });
    expect(written).toHaveLength(2);
    // The rows name the route, not the secret: the URL is looked up when the message is sent.
    expect(JSON.stringify(written)).not.toContain(WEBHOOK);
    expect(await notifications.dispatcher.tick()).toBe(2);

    const project = await t.stores.projects.get(projectId);
    const expectedCard = notificationCard({
      items: [
        {
          taskId: task.id,
          taskType: "deploy",
          status: "failed",
          entityLabel: `${project?.name}/prod`,
          requestedBy: "alice@contoso.com",
          startedAt: failed.startedAt?.toISOString() ?? null,
          finishedAt: failed.finishedAt?.toISOString() ?? "",
          error: failed.error?.message ?? null,
        },
      ],
      publicUrl: PUBLIC_URL,
      now: clock.now(),
    });
    expect(endpoints.teams).toEqual([
      {
        url: WEBHOOK,
        body: {
          type: "message",
          attachments: [
            {
              contentType: "application/vnd.microsoft.card.adaptive",
              contentUrl: null,
              content: expectedCard,
            },
          ],
        },
      },
    ]);
    expect(JSON.stringify(expectedCard)).toContain(`${PUBLIC_URL}/tasks/${task.id}`);

    expect(endpoints.emails).toHaveLength(1);
    const email = endpoints.emails[0] as {
      from: unknown;
      personalizations: unknown;
      subject: string;
      content: Array<{ type: string; value: string }>;
    };
    expect(email.from).toEqual({ email: "cloudops@contoso.com" });
    expect(email.personalizations).toEqual([
      { to: [{ email: "ops@contoso.com" }, { email: "oncall@contoso.com" }] },
    ]);
    expect(email.subject).toBe(`[CloudOps] Deployment to ${project?.name}/prod failed`);
    expect(email.content.map((c) => c.type)).toEqual(["text/plain", "text/html"]);
    expect(email.content[0]?.value).toContain(`${PUBLIC_URL}/tasks/${task.id}`);
    expect(email.content[0]?.value).toContain('Error: Injected failure at step "apply"');
    expect(email.content[1]?.value).toContain(`<a href="${PUBLIC_URL}/tasks/${task.id}">`);

    const rows = await t.stores.notificationOutbox.list({ taskId: task.id });
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ["delivered", 1],
      ["delivered", 1],
    ]);
  });

  it("by default tells about failures, production deployments and sandbox expiry, not other successes", async () => {
    const dev = await deploy(devId);
    const prod = await deploy(prodId);
    expect((await finished(dev.task.id)).status).toBe("succeeded");
    expect((await finished(prod.task.id)).status).toBe("succeeded");
    expect(await t.stores.notificationOutbox.list({ taskId: dev.task.id })).toEqual([]);
    expect(await t.stores.notificationOutbox.list({ taskId: prod.task.id })).toHaveLength(2);

    const cancelled = await restart("cancelled");
    expect(await notifications.trigger.onTaskFinished(cancelled)).toBe(0);
    const expired = await finishedTask(t.stores, {
      type: "sandbox.expire",
      entityId: devId,
      projectId,
      payload: { environmentId: devId },
      status: "succeeded",
    });
    expect(await notifications.trigger.onTaskFinished(expired)).toBe(2);
    await notifications.dispatcher.tick();
    expect(endpoints.cards().map(headlineOf)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Deployment to shop-\w+\/prod succeeded$/),
        expect.stringMatching(/^Sandbox shop-\w+\/dev expired$/),
      ]),
    );
  });

  it("asks the project's routes for an approval when a production deploy waits for one, whatever notifyOn says", async () => {
    await t.stores.notificationSettings.put(projectId, {
      teamsWebhookUrl: WEBHOOK,
      emailList: ["ops@contoso.com"],
      notifyOn: ["cancelled"],
    });
    askForApprovals = true;
    const { task } = await deploy(prodId);
    const waiting = await t.waitForStatus(task.id, ["awaiting_approval"]);
    const rows = await t.stores.notificationOutbox.list({ taskId: task.id });
    expect(rows.map((r) => r.channel).sort()).toEqual(["email", "teams"]);
    expect(await notifications.dispatcher.tick()).toBe(2);
    const [card] = endpoints.cards();
    expect(headlineOf(card)).toMatch(/^Deployment to shop-\w+\/prod needs approval$/);
    expect(JSON.stringify(card)).toContain(waiting.approval?.planSha256.slice(0, 12) ?? "missing");
    expect(JSON.stringify(card)).toContain(`${PUBLIC_URL}/tasks/${task.id}`);
    const email = endpoints.emails[0] as { subject: string };
    expect(email.subject).toMatch(/needs approval/);
    await t.engine.tasks.reject(task.id, { id: "bob@contoso.com" }, { comment: "not now" });
  });

  it("follows the project's own choice of outcomes", async () => {
    await t.stores.notificationSettings.put(projectId, {
      teamsWebhookUrl: WEBHOOK,
      emailList: [],
      notifyOn: ["cancelled"],
    });
    const failed = await restart("failed");
    const cancelled = await restart("cancelled");
    expect(await notifications.trigger.onTaskFinished(failed)).toBe(0);
    expect(await notifications.trigger.onTaskFinished(cancelled)).toBe(1);
  });

  it("uses TEAMS_WEBHOOK_URL for projects without a webhook of their own", async () => {
    notifications = notificationsFor(t.stores, clock, { config: { teamsWebhookUrl: FALLBACK_WEBHOOK } });
    await t.stores.notificationSettings.put(projectId, { teamsWebhookUrl: null, emailList: [] });
    const task = await finishedTask(t.stores, {
      type: "db.backup",
      entityId: "azure-sql/billing",
      projectId,
      status: "failed",
    });
    expect(await notifications.trigger.onTaskFinished(task)).toBe(1);
    // The row names the route, not the secret: the URL is looked up when the message is sent.
    const rows = await t.stores.notificationOutbox.list({ taskId: task.id });
    expect(JSON.stringify(rows)).not.toContain(new URL(FALLBACK_WEBHOOK).host);
    await notifications.dispatcher.tick();
    expect(endpoints.teams.map((p) => p.url)).toEqual([FALLBACK_WEBHOOK]);
  });

  it("sends one message per entity and route per window and folds the rest into a digest", async () => {
    const fail = () => notifiedFailure(`prod/api-${projectId}`);
    const first = await fail();
    expect(await notifications.dispatcher.tick()).toBe(2); // Teams and email, one message each
    const later = [await fail(), await fail(), await fail()];
    clock.advance(10);
    expect(await notifications.dispatcher.tick()).toBe(0);
    await notifiedFailure("prod/web");
    clock.advance(5);
    expect(await notifications.dispatcher.tick()).toBe(2); // another entity has its own window
    clock.advance(100);
    expect(await notifications.dispatcher.tick()).toBe(0); // 115 s after the first message
    clock.advance(10);
    expect(await notifications.dispatcher.tick()).toBe(2); // the window is over: one digest per route

    const cards = endpoints.cards();
    expect(cards).toHaveLength(3);
    const digest = JSON.stringify(cards[2]);
    expect(headlineOf(cards[2])).toBe(`3 tasks failed on prod/api-${projectId} in the last 2 minutes`);
    for (const task of later) expect(digest).toContain(`${PUBLIC_URL}/tasks/${task.id}`);
    expect(digest).not.toContain(first.id);
    const digestEmail = endpoints.emails[2] as { subject: string };
    expect(digestEmail.subject).toBe(
      `[CloudOps] 3 tasks failed on prod/api-${projectId} in the last 2 minutes`,
    );
  });

  it("retries a throttled webhook no sooner than its Retry-After", async () => {
    await teamsOnly();
    endpoints.replyTeams(() => new HttpResponse(null, { status: 429, headers: { "Retry-After": "30" } }));
    const task = await notifiedFailure();
    expect(await notifications.dispatcher.tick()).toBe(0);
    const [row] = await t.stores.notificationOutbox.list({ taskId: task.id });
    expect(row).toMatchObject({
      status: "pending",
      attempts: 1,
      lastError: "The Teams webhook throttled the request (HTTP 429)",
    });
    clock.advance(29);
    expect(await notifications.dispatcher.tick()).toBe(0);
    expect(endpoints.teams).toHaveLength(1);
    clock.advance(1);
    expect(await notifications.dispatcher.tick()).toBe(1);
    expect(endpoints.teams).toHaveLength(2);
    expect(await t.stores.notificationOutbox.list({ taskId: task.id })).toMatchObject([
      { status: "delivered", attempts: 2 },
    ]);
  });

  it("treats a 200 that reports 429 as throttled and retries it with backoff", async () => {
    await teamsOnly();
    endpoints.replyTeams(() => HttpResponse.text("Microsoft Teams endpoint returned HTTP error 429"));
    const task = await notifiedFailure();
    await notifications.dispatcher.tick();
    const [row] = await t.stores.notificationOutbox.list({ taskId: task.id });
    expect(row?.status).toBe("pending");
    clock.advance(60);
    expect(await notifications.dispatcher.tick()).toBe(1);
  });

  it("gives a notification up after NOTIFY_MAX_ATTEMPTS and records the last error", async () => {
    await teamsOnly();
    const down = () => new HttpResponse("unavailable", { status: 503 });
    endpoints.replyTeams(down, down, down, down);
    const task = await notifiedFailure();
    for (let i = 0; i < 5; i++) {
      await notifications.dispatcher.tick();
      clock.advance(120);
    }
    expect(endpoints.teams).toHaveLength(3);
    expect(await t.stores.notificationOutbox.list({ taskId: task.id })).toMatchObject([
      { status: "failed", attempts: 3, lastError: "The Teams webhook answered HTTP 503" },
    ]);
  });

  it("records a task's end only together with its notification: a failed outbox write is retried, not lost", async () => {
    const write = notifications.trigger.onTaskFinished;
    let refused = 0;
    notifications.trigger.onTaskFinished = async (task, tx) => {
      if (refused === 0) {
        refused++;
        throw new Error("outbox unavailable");
      }
      return write(task, tx);
    };
    const { task } = await deploy(prodId, { failAt: "apply", failPermanently: true });
    expect((await settled(task.id)).status).toBe("failed");
    expect(refused).toBe(1);
    const rows = await t.stores.notificationOutbox.list({ taskId: task.id });
    expect(rows.map((r) => r.channel).sort()).toEqual(["email", "teams"]);
  });
});
