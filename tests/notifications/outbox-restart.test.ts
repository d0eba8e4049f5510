import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../db/client";
import { createStores } from "../../db/stores/index";
import { createTestDatabase, dialectsUnderTest } from "../support/databases";
import { fakeEndpoints, finishedTask, manualClock, notificationsFor, WEBHOOK } from "./support";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe.each(dialectsUnderTest())("notification outbox across processes on %s", (dialect) => {
  it("delivers what a stopped process left in the outbox exactly once after a restart", async () => {
    const testDb = await createTestDatabase(dialect);
    try {
      const endpoints = fakeEndpoints(server);
      const clock = manualClock();
      // Process one: tasks finish and their notifications are written, then it dies before sending
      // the first and while sending the second (its claim is never settled).
      const first = createStores(testDb.database);
      const project = await first.projects.create({ name: "shop" });
      await first.notificationSettings.put(project.id, { teamsWebhookUrl: WEBHOOK, emailList: [] });
      const before = notificationsFor(first, clock);
      const a = await finishedTask(first, {
        type: "k8s.restart",
        entityId: "prod/api",
        projectId: project.id,
        status: "failed",
      });
      const b = await finishedTask(first, {
        type: "k8s.restart",
        entityId: "prod/web",
        projectId: project.id,
        status: "failed",
      });
      await before.trigger.onTaskFinished(a);
      await before.trigger.onTaskFinished(b);
      const stuck = await first.notificationOutbox.claim(
        {
          routeKey: (await first.notificationOutbox.list({ taskId: b.id }))[0]?.routeKey ?? "",
          entityId: "prod/web",
        },
        clock.now(),
        new Date(clock.now().getTime() + 60_000),
      );
      expect(stuck).toHaveLength(1);
      expect(endpoints.teams).toEqual([]);

      // Process two: a new connection and a new dispatcher over the same database.
      const reopened = await openDatabase(testDb.url);
      try {
        const after = notificationsFor(createStores(reopened), clock);
        expect(await after.dispatcher.tick()).toBe(1); // prod/api now; prod/web is still leased
        clock.advance(61);
        expect(await after.dispatcher.tick()).toBe(1); // the dead process's lease ran out
        clock.advance(600);
        expect(await after.dispatcher.tick()).toBe(0);
        const sentFor = endpoints.teams.map((p) => JSON.stringify(p.body).match(/tasks\/(tsk_\w+)/)?.[1]);
        expect(sentFor.sort()).toEqual([a.id, b.id].sort());
        const rows = await createStores(reopened).notificationOutbox.list();
        expect(rows.map((r) => r.status)).toEqual(["delivered", "delivered"]);
      } finally {
        await reopened.close();
      }
    } finally {
      await testDb.destroy();
    }
  });

  it("never sends a row twice when several dispatchers run at once", async () => {
    const testDb = await createTestDatabase(dialect);
    const handles = [testDb.database, await openDatabase(testDb.url), await openDatabase(testDb.url)];
    try {
      const endpoints = fakeEndpoints(server);
      const clock = manualClock();
      const stores = createStores(testDb.database);
      const project = await stores.projects.create({ name: "shop" });
      await stores.notificationSettings.put(project.id, { teamsWebhookUrl: WEBHOOK, emailList: [] });
      const writer = notificationsFor(stores, clock, { config: { windowSeconds: 0 } });
      const entities = Array.from({ length: 12 }, (_, i) => `prod/svc-${i}`);
      for (const entityId of entities) {
        const task = await finishedTask(stores, {
          type: "k8s.restart",
          entityId,
          projectId: project.id,
          status: "failed",
        });
        await writer.trigger.onTaskFinished(task);
      }
      const dispatchers = handles.map(
        (h) => notificationsFor(createStores(h), clock, { config: { windowSeconds: 0 } }).dispatcher,
      );
      const sent = await Promise.all(dispatchers.map((d) => d.tick()));
      await Promise.all(dispatchers.map((d) => d.tick()));
      expect(sent.reduce((x, y) => x + y, 0)).toBe(entities.length);
      expect(endpoints.teams).toHaveLength(entities.length);
      const delivered = await stores.notificationOutbox.list({ status: "delivered" });
      expect(delivered.map((r) => r.attempts)).toEqual(entities.map(() => 1));
    } finally {
      for (const h of handles.slice(1)) await h.close();
      await testDb.destroy();
    }
  });
});
