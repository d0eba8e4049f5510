import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type BotRuntime, cardOf, startBotRuntime, statusOnCard, taskIdOnCard } from "../support/bot-runtime";
import { type ConnectorCall, type FakeConnector, startFakeConnector } from "../support/fake-connector";
import { waitUntil } from "../support/queue-recorder";
import { cardActionInvoke } from "../support/teams-activities";

// Issue 16, items 4 and 6: a Bot Connector that answers 429 (Retry-After) to every call for a minute.

const finalOf =
  (activityId: string, status: string, after = 0) =>
  (c: ConnectorCall) =>
    c.method === "PUT" &&
    c.activityId === activityId &&
    c.status === 200 &&
    c.at > after &&
    statusOnCard(cardOf(c.body)) === status;

async function statusOf(bot: BotRuntime, taskId: string): Promise<string> {
  return ((await (await bot.api("GET", `/api/tasks/${taskId}`)).json()) as { status: string }).status;
}

interface CardRecord {
  activityId: string | null;
  taskId: string | null;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
}

async function pendingCards(bot: BotRuntime): Promise<CardRecord[]> {
  const res = await bot.api("GET", "/api/bot/cards?unsettled=true");
  return ((await res.json()) as { items: CardRecord[] }).items;
}

describe("a connector that throttles every call", () => {
  const started: BotRuntime[] = [];
  const dirs: string[] = [];
  let connector: FakeConnector | undefined;
  afterAll(async () => {
    connector?.stopThrottling();
    for (const bot of started) await bot.stop().catch(() => undefined);
    await connector?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("4. answers a card press at once with the new card, and updates it for everyone once the throttle ends", async () => {
    const bot = await startBotRuntime({ DEMO_STEP_DELAY_MS: "400" });
    started.push(bot);
    const conv = "19:throttle-invoke@thread.tacv2";
    const reply = await bot.command(conv, "restart prod/api");
    const taskId = taskIdOnCard(reply.card);
    await waitUntil(async () => (await statusOf(bot, taskId)) === "running", "the task runs");

    bot.connector.throttle({ forMs: 60_000, retryAfterSeconds: 3 });
    const before = bot.connector.calls.length;
    const answer = await bot.post(
      cardActionInvoke({
        serviceUrl: bot.connector.url,
        conversationId: conv,
        replyToId: reply.activityId,
        verb: "cancel",
        data: { taskId },
      }),
    );
    // The answer came while every call to the connector was still being refused: it did not wait
    // for the update for everyone (nor for the SDK's 429 retries of it).
    expect(bot.connector.throttling()).toBe(true);
    expect(bot.connector.calls.slice(before).every((c) => c.status === 429)).toBe(true);
    expect(answer.status).toBe(200);
    const card = (answer.body as { value: Record<string, unknown> }).value;
    expect(taskIdOnCard(card)).toBe(taskId);
    await waitUntil(async () => (await statusOf(bot, taskId)) === "cancelled", "the task is cancelled");

    // The update for everyone is owed, tried and recorded while the throttle lasts…
    await bot.connector.waitFor(
      (c) => c.method === "PUT" && c.activityId === reply.activityId && c.status === 429 && c.at > 0,
    );
    const endedAt = Date.now();
    bot.connector.stopThrottling();
    // …and lands once it ends.
    const final = await bot.connector.waitFor(finalOf(reply.activityId, "Cancelled", endedAt), 60_000);
    expect(taskIdOnCard(cardOf(final.body))).toBe(taskId);
  }, 120_000);

  it("6. keeps the final state pending across a restart and lands it when the throttle ends", async () => {
    connector = await startFakeConnector();
    const dataDir = mkdtempSync(join(tmpdir(), "cloudops-throttle-"));
    dirs.push(dataDir);
    const env = { DEMO_STEP_DELAY_MS: "200", SHUTDOWN_GRACE_MS: "0" };
    const first = await startBotRuntime(env, { connector, dataDir });
    started.push(first);
    const reply = await first.command("19:throttle-restart@thread.tacv2", "restart prod/worker");
    const taskId = taskIdOnCard(reply.card);
    connector.throttle({ forMs: 60_000, retryAfterSeconds: 1 });
    await waitUntil(
      async () => (await statusOf(first, taskId)) === "succeeded",
      "the task succeeded",
      60_000,
    );
    // The update it owes is recorded with the card: attempts made and when to try next.
    await waitUntil(
      async () =>
        (await pendingCards(first)).some((c) => c.activityId === reply.activityId && c.attempts > 0),
      "a failed attempt recorded",
      60_000,
    );
    const owed = (await pendingCards(first)).find((c) => c.activityId === reply.activityId);
    expect(owed).toMatchObject({ taskId, lastError: expect.stringContaining("429") });
    expect(owed?.nextAttemptAt).not.toBeNull();
    await first.stop();
    started.splice(started.indexOf(first), 1);
    const stoppedAt = Date.now();

    const second = await startBotRuntime(env, { connector, dataDir });
    started.push(second);
    connector.stopThrottling();
    const final = await connector.waitFor(finalOf(reply.activityId, "Succeeded", stoppedAt), 90_000);
    expect(taskIdOnCard(cardOf(final.body))).toBe(taskId);
    await waitUntil(
      async () => !(await pendingCards(second)).some((c) => c.activityId === reply.activityId),
      "the card settled",
    );
    // Throttled or not, the card was only ever replaced, never posted again.
    expect(connector.calls.filter((c) => c.method === "POST" && c.status === 200)).toHaveLength(1);
  }, 180_000);
});
