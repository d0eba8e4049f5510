import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStores, type Stores } from "../../db/stores/index";
import { createTestDatabase, dialectsUnderTest, type TestDatabase } from "../support/databases";

const ref = { serviceUrl: "http://127.0.0.1:1/", conversation: { id: "19:c@thread.tacv2" } };

describe.each(dialectsUnderTest())("bot cards store on %s", (dialect) => {
  let testDb: TestDatabase;
  let stores: Stores;

  beforeAll(async () => {
    testDb = await createTestDatabase(dialect);
    stores = createStores(testDb.database);
  });
  afterAll(async () => testDb?.destroy());

  it("lets exactly one of two concurrent deliveries of one activity claim the post", async () => {
    const claim = { conversationId: "c1", sourceKey: "activity-1", conversationRef: ref };
    const [a, b] = await Promise.all([stores.botCards.claim(claim), stores.botCards.claim(claim)]);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(a.card.id).toBe(b.card.id);
    // Another conversation may use the same key (e.g. "welcome").
    expect((await stores.botCards.claim({ ...claim, conversationId: "c2" })).created).toBe(true);
  });

  it("records the posted message and lists task cards still owed an update until settled", async () => {
    const { card } = await stores.botCards.claim({
      conversationId: "c3",
      sourceKey: "a",
      conversationRef: ref,
    });
    await stores.botCards.update(card.id, { activityId: "m1", taskId: "tsk_1" });
    expect((await stores.botCards.list({ unsettled: true })).map((c) => c.id)).toContain(card.id);
    const due = new Date("2030-01-01T00:00:00.000Z");
    const later = await stores.botCards.update(card.id, {
      attempts: 3,
      nextAttemptAt: due,
      lastError: "429",
    });
    expect(later).toMatchObject({ attempts: 3, lastError: "429", conversationRef: ref });
    expect(later?.nextAttemptAt?.getTime()).toBe(due.getTime());
    await stores.botCards.update(card.id, { settled: true, deliveredStatus: "succeeded" });
    expect((await stores.botCards.list({ unsettled: true })).map((c) => c.id)).not.toContain(card.id);
    expect((await stores.botCards.list({ taskId: "tsk_1" })).map((c) => c.deliveredStatus)).toEqual([
      "succeeded",
    ]);
  });

  it("registers a clicked card once and makes a settled one current again", async () => {
    const input = { conversationId: "c4", activityId: "m2", conversationRef: ref, taskId: "tsk_2" };
    const first = await stores.botCards.register(input);
    await stores.botCards.update(first.id, { settled: true });
    const again = await stores.botCards.register(input);
    expect(again.id).toBe(first.id);
    expect(again.settled).toBe(false);
    expect(await stores.botCards.list({ taskId: "tsk_2" })).toHaveLength(1);
  });

  it("purges old replies and final cards, and keeps a card still owed an update however old", async () => {
    const old = new Date("2020-01-01T00:00:00.000Z");
    const reply = await stores.botCards.claim(
      { conversationId: "c5", sourceKey: "r", conversationRef: ref },
      old,
    );
    const owed = await stores.botCards.register(
      { conversationId: "c5", activityId: "m5", conversationRef: ref, taskId: "tsk_5" },
      old,
    );
    const done = await stores.botCards.register(
      { conversationId: "c5", activityId: "m6", conversationRef: ref, taskId: "tsk_6" },
      old,
    );
    await stores.botCards.update(done.id, { settled: true });
    const recent = await stores.botCards.claim({
      conversationId: "c5",
      sourceKey: "new",
      conversationRef: ref,
    });
    expect(await stores.botCards.purge(new Date("2021-01-01T00:00:00.000Z"))).toBe(2);
    expect(await stores.botCards.get(reply.card.id)).toBeNull();
    expect(await stores.botCards.get(done.id)).toBeNull();
    expect(await stores.botCards.get(owed.id)).not.toBeNull();
    expect(await stores.botCards.get(recent.card.id)).not.toBeNull();
  });
});
