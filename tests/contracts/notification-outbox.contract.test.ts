import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStores, type Stores } from "../../db/stores/index";
import type { NewOutboxRow } from "../../db/stores/notification-outbox-store";
import { createTestDatabase, dialectsUnderTest, type TestDatabase } from "../support/databases";

const row = (routeKey: string, entityId: string, n: number): NewOutboxRow => ({
  channel: "teams",
  routeKey,
  projectId: null,
  entityId,
  taskId: null,
  payload: { n },
});

const at = (base: number, seconds: number) => new Date(base + seconds * 1000);

describe.each(dialectsUnderTest())("notification outbox store on %s", (dialect) => {
  let testDb: TestDatabase;
  let stores: Stores;
  const base = Date.parse("2026-11-22T05:00:00.000Z");

  beforeAll(async () => {
    testDb = await createTestDatabase(dialect);
    stores = createStores(testDb.database);
  });
  afterAll(async () => testDb?.destroy());

  it("writes pending rows that are due at once and lists them back with their payload", async () => {
    const [written] = await stores.notificationOutbox.enqueue([row("r1", "e1", 1)], at(base, 0));
    expect(written).toMatchObject({ status: "pending", attempts: 0, payload: { n: 1 } });
    expect(written?.nextAttemptAt.getTime()).toBe(base);
    expect(await stores.notificationOutbox.dueGroups(at(base, 0))).toContainEqual({
      routeKey: "r1",
      entityId: "e1",
    });
  });

  it("lets exactly one of two concurrent claimers take a group's rows", async () => {
    await stores.notificationOutbox.enqueue([row("r2", "e2", 1), row("r2", "e2", 2)], at(base, 0));
    const group = { routeKey: "r2", entityId: "e2" };
    const [a, b] = await Promise.all([
      stores.notificationOutbox.claim(group, at(base, 1), at(base, 61)),
      stores.notificationOutbox.claim(group, at(base, 1), at(base, 62)),
    ]);
    const taken = [...(a ?? []), ...(b ?? [])];
    expect(taken).toHaveLength(2);
    expect(new Set(taken.map((r) => r.id)).size).toBe(2);
    expect(taken.every((r) => r.status === "sending" && r.attempts === 1)).toBe(true);
    const state = await stores.notificationOutbox.groupState(group);
    expect(state.pending).toEqual([]);
    expect(state.sendingUntil).not.toBeNull();
  });

  it("settles a claim only for the holder of the current lease", async () => {
    await stores.notificationOutbox.enqueue([row("r3", "e3", 1)], at(base, 0));
    const group = { routeKey: "r3", entityId: "e3" };
    const [first] = await stores.notificationOutbox.claim(group, at(base, 0), at(base, 60));
    expect(first).toBeDefined();
    // The first sender stalls past its lease; the row goes back and a second sender takes it.
    expect(await stores.notificationOutbox.releaseExpiredLeases(at(base, 61))).toBeGreaterThanOrEqual(1);
    const [second] = await stores.notificationOutbox.claim(group, at(base, 61), at(base, 121));
    expect(second?.attempts).toBe(2);
    expect(await stores.notificationOutbox.markDelivered([first?.id ?? ""], at(base, 60), at(base, 62))).toBe(
      0,
    );
    expect(
      await stores.notificationOutbox.markDelivered([second?.id ?? ""], at(base, 121), at(base, 63)),
    ).toBe(1);
    const state = await stores.notificationOutbox.groupState(group);
    expect(state.lastDeliveredAt?.getTime()).toBe(at(base, 63).getTime());
  });

  it("puts a failed attempt back for later or gives it up with its last error", async () => {
    await stores.notificationOutbox.enqueue([row("r4", "e4", 1), row("r4", "e4", 2)], at(base, 0));
    const group = { routeKey: "r4", entityId: "e4" };
    const lease = at(base, 60);
    const [one, two] = await stores.notificationOutbox.claim(group, at(base, 0), lease);
    await stores.notificationOutbox.settle(one?.id ?? "", lease, {
      status: "pending",
      nextAttemptAt: at(base, 30),
      lastError: "HTTP 503",
    });
    await stores.notificationOutbox.settle(two?.id ?? "", lease, { status: "failed", lastError: "HTTP 404" });
    const state = await stores.notificationOutbox.groupState(group);
    expect(state.pending.map((r) => [r.lastError, r.nextAttemptAt.getTime()])).toEqual([
      ["HTTP 503", at(base, 30).getTime()],
    ]);
    const failed = (await stores.notificationOutbox.list({ status: "failed" })).find((r) => r.id === two?.id);
    expect(failed).toMatchObject({ lastError: "HTTP 404", attempts: 1 });
    expect(await stores.notificationOutbox.dueGroups(at(base, 29))).not.toContainEqual(group);
    expect(await stores.notificationOutbox.dueGroups(at(base, 30))).toContainEqual(group);
  });

  it("purges only finished rows older than the retention", async () => {
    const group = { routeKey: "r6", entityId: "e6" };
    await stores.notificationOutbox.enqueue([row("r6", "e6", 1)], at(base, -1000));
    const lease = at(base, -940);
    const [done] = await stores.notificationOutbox.claim(group, at(base, -1000), lease);
    await stores.notificationOutbox.markDelivered([done?.id ?? ""], lease, at(base, -999));
    const stillPending = await stores.notificationOutbox.enqueue([row("r6", "e6", 3)], at(base, -1000));
    await stores.notificationOutbox.purge(at(base, -500));
    const left = (await stores.notificationOutbox.list()).filter((r) => r.routeKey === "r6");
    expect(left.map((r) => r.id)).toEqual([stillPending[0]?.id]);
  });

  it("defers a group's pending rows to the end of its window, never earlier than they were", async () => {
    await stores.notificationOutbox.enqueue([row("r5", "e5", 1)], at(base, 0));
    const group = { routeKey: "r5", entityId: "e5" };
    expect(await stores.notificationOutbox.defer(group, at(base, 120))).toBe(1);
    expect(await stores.notificationOutbox.defer(group, at(base, 60))).toBe(0);
    expect(await stores.notificationOutbox.claim(group, at(base, 119), at(base, 179))).toEqual([]);
    expect(await stores.notificationOutbox.claim(group, at(base, 120), at(base, 180))).toHaveLength(1);
  });
});
