import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, TEST_INTERNAL_TOKEN, type TestApi } from "../support/api-harness";

// The bot's record of its Teams messages: internal, and a claim is taken once per activity.
describe("bot cards API", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(async () => api?.close());

  const asBot = (path: string, method: string, body?: unknown) =>
    api.app.request(path, {
      method,
      headers: {
        "content-type": "application/json",
        "x-internal-token": TEST_INTERNAL_TOKEN,
        "x-acting-user": "cloudops-card-updater",
        "x-acting-role": "viewer",
        "x-acting-source": "bot",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const ref = { conversation: { id: "19:a@thread.tacv2" }, serviceUrl: "http://127.0.0.1:9/" };

  it("claims an activity once: the redelivery gets the message already posted", async () => {
    const claim = { conversationId: "19:a@thread.tacv2", sourceKey: "act-1", conversationRef: ref };
    const first = await (await asBot("/api/bot/cards/claims", "POST", claim)).json();
    expect(first).toMatchObject({ created: true, card: { activityId: null, settled: false } });
    const patched = await asBot(`/api/bot/cards/${first.card.id}`, "PATCH", {
      activityId: "posted-1",
      taskId: "tsk_01jd2x5k8m0000abcdefghjk",
      nextAttemptAt: "2030-01-01T00:00:00.000Z",
    });
    expect(await patched.json()).toMatchObject({
      activityId: "posted-1",
      nextAttemptAt: "2030-01-01T00:00:00.000Z",
    });
    const again = await (await asBot("/api/bot/cards/claims", "POST", claim)).json();
    expect(again).toMatchObject({ created: false, card: { id: first.card.id, activityId: "posted-1" } });
    const pending = await (await asBot("/api/bot/cards?unsettled=true", "GET")).json();
    expect(pending.items.map((c: { id: string }) => c.id)).toContain(first.card.id);
  });

  it("refuses anyone but the bot, even an admin, before reading the body", async () => {
    const res = await api.as("admin")("/api/bot/cards/claims", { method: "POST", body: { nonsense: true } });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: "internal_callers_only" });
  });

  it("answers 404 with a stable code for an unknown card and 400 for a bad patch", async () => {
    const missing = await asBot("/api/bot/cards/bcd_01jd2x5k8m0000abcdefghjkmn", "PATCH", { settled: true });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: "bot_card_not_found" });
    const bad = await asBot("/api/bot/cards/bcd_01jd2x5k8m0000abcdefghjkmn", "PATCH", { attempts: -1 });
    expect(bad.status).toBe(400);
  });
});
