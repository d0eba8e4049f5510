import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BotRuntime,
  cardOf,
  startBotRuntime,
  statusOnCard,
  taskIdOnCard,
  verbsOnCard,
} from "../support/bot-runtime";
import type { ConnectorCall } from "../support/fake-connector";
import { waitUntil } from "../support/queue-recorder";
import { ADELE, cardActionInvoke, channelMessage, type TeamsUser } from "../support/teams-activities";

// Everything goes through POST /api/messages and a local server playing the Bot Connector.

const VIEWER: TeamsUser = {
  id: "29:viewer-user",
  name: "Vic Viewer",
  aadObjectId: "11111111-0000-4000-8000-00000000000v",
};

let bot: BotRuntime;
let conversation = 0;
const nextConversation = () => `19:test-${++conversation}@thread.tacv2`;

beforeAll(async () => {
  bot = await startBotRuntime({
    DEMO_STEP_DELAY_MS: "400",
    TEAMS_USER_ROLES: `${VIEWER.aadObjectId}=viewer`,
  });
});
afterAll(async () => {
  await bot?.stop();
});

const isUpdateOf = (activityId: string, status?: string) => (c: ConnectorCall) =>
  c.method === "PUT" &&
  c.activityId === activityId &&
  c.status === 200 &&
  (!status || statusOnCard(cardOf(c.body)) === status);

async function taskStatus(taskId: string): Promise<string> {
  const res = await bot.api("GET", `/api/tasks/${taskId}`);
  return ((await res.json()) as { status: string }).status;
}

async function waitForTaskStatus(taskId: string, status: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await taskStatus(taskId)) !== status) {
    if (Date.now() > deadline) throw new Error(`task ${taskId} never became ${status}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Stores where a card lives, as the bot does for the cards of the tasks it starts. */
function storeOrigin(conversationId: string, taskId: string, cardActivityId: string): Promise<Response> {
  const activity = channelMessage({ serviceUrl: bot.connector.url, conversationId, text: "" });
  return bot.api("PUT", `/api/tasks/${taskId}/origin`, {
    conversationRef: {
      bot: activity.recipient,
      conversation: activity.conversation,
      channelId: activity.channelId,
      serviceUrl: activity.serviceUrl,
    },
    cardActivityId,
  });
}

describe("Teams bot over the Bot Framework protocol", () => {
  it("answers a command with the task card and updates it in place until it succeeds", async () => {
    const conv = nextConversation();
    const reply = await bot.command(conv, "restart prod/api");
    const taskId = taskIdOnCard(reply.card);
    expect(["Queued", "Running"]).toContain(statusOnCard(reply.card));
    expect(verbsOnCard(reply.card)).toEqual(["cancel"]);

    const final = await bot.connector.waitFor(isUpdateOf(reply.activityId, "Succeeded"));
    const card = cardOf(final.body);
    expect(verbsOnCard(card)).toEqual([]);
    expect(JSON.stringify(card)).toContain("wait until ready");
    // The demo runs on the simulator: the card wears the badge.
    expect(JSON.stringify(card)).toContain('"text":"simulated cluster"');
    expect(final.conversationId).toBe(`${conv};messageid=1700000000000`);

    const task = (await (await bot.api("GET", `/api/tasks/${taskId}`)).json()) as Record<string, unknown>;
    expect(task).toMatchObject({ status: "succeeded", source: "bot", entityId: "prod/api" });
    // The card was only ever replaced, never posted twice.
    expect(
      bot.connector.calls.filter((c) => c.method === "POST" && c.conversationId.startsWith(conv)),
    ).toHaveLength(1);
  });

  it("refuses prod/API in the parser with the API's name rule, suggests prod/api and starts nothing", async () => {
    const before = (await (await bot.api("GET", "/api/tasks?limit=200")).json()) as { items: unknown[] };
    const reply = await bot.command(nextConversation(), "restart prod/API");
    const text = JSON.stringify(reply.card);
    expect(text).toContain("“prod/API” is not a valid namespace/workload");
    expect(text).toContain("Did you mean prod/api?");
    expect(text).toContain("restart <namespace>/<workload>");
    expect(text).not.toMatch(/at .*\.ts:\d+/);
    const after = (await (await bot.api("GET", "/api/tasks?limit=200")).json()) as { items: unknown[] };
    expect(after.items.length).toBe(before.items.length);
  });

  it("answers an unknown command with the error card and a suggestion", async () => {
    const reply = await bot.command(nextConversation(), "restat prod/api");
    const text = JSON.stringify(reply.card);
    expect(text).toContain("I don't know the command “restat”");
    expect(text).toContain("Did you mean restart?");
  });

  it("resolves project and environment names for deploy and says which exist when one does not", async () => {
    const deploy = await bot.command(nextConversation(), "deploy shop/dev");
    const taskId = taskIdOnCard(deploy.card);
    const task = (await (await bot.api("GET", `/api/tasks/${taskId}`)).json()) as {
      type: string;
      payload: Record<string, unknown>;
    };
    expect(task.type).toBe("deploy");
    expect(task.payload).toMatchObject({ templateId: "web-app" });

    const missing = await bot.command(nextConversation(), "deploy shop/nowhere");
    expect(JSON.stringify(missing.card)).toContain("Project shop has no environment named “nowhere”");
  });

  it("cancels a running task from its card and the card shows cancelled", async () => {
    const conv = nextConversation();
    const reply = await bot.command(conv, "restart staging/web");
    const taskId = taskIdOnCard(reply.card);
    await waitForTaskStatus(taskId, "running");

    const invoke = cardActionInvoke({
      serviceUrl: bot.connector.url,
      conversationId: conv,
      replyToId: reply.activityId,
      verb: "cancel",
      data: { taskId },
    });
    const answer = await bot.post(invoke);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ statusCode: 200, type: "application/vnd.microsoft.card.adaptive" });

    const final = await bot.connector.waitFor(isUpdateOf(reply.activityId, "Cancelled"));
    expect(verbsOnCard(cardOf(final.body))).toEqual([]);
    expect(await taskStatus(taskId)).toBe("cancelled");

    // Teams redelivering the same invoke performs the cancel once and still answers with the card.
    const again = await bot.post(invoke);
    expect(again.body).toMatchObject({ statusCode: 200, value: { type: "AdaptiveCard" } });
  });

  it("retries a failed task from its card and the same card runs again to succeeded", async () => {
    const conv = nextConversation();
    // The bot cannot ask for failure injection, so the failing task is submitted to the engine.
    const { task } = await bot.runtime.tasks.submit({
      type: "k8s.restart",
      entityId: "shop/cart",
      payload: { namespace: "shop", name: "cart", failAt: "connect", failTimes: 1, failPermanently: true },
      requestedBy: ADELE.aadObjectId,
      source: "bot",
    });
    await waitForTaskStatus(task.id, "failed");

    const shown = await bot.command(conv, `status ${task.id}`);
    expect(statusOnCard(shown.card)).toBe("Failed");
    expect(verbsOnCard(shown.card)).toEqual(["retry"]);
    const origin = await storeOrigin(conv, task.id, shown.activityId);
    expect(origin.status).toBe(200);

    const answer = await bot.post(
      cardActionInvoke({
        serviceUrl: bot.connector.url,
        conversationId: conv,
        replyToId: shown.activityId,
        verb: "retry",
        data: { taskId: task.id },
      }),
    );
    const answered = (answer.body as { value: Record<string, unknown> }).value;
    expect(["Queued", "Running", "Succeeded"]).toContain(statusOnCard(answered));

    const final = await bot.connector.waitFor(isUpdateOf(shown.activityId, "Succeeded"));
    expect(taskIdOnCard(cardOf(final.body))).toBe(task.id);
    expect(await taskStatus(task.id)).toBe("succeeded");
  });

  it("turns a burst of 50 step events into a handful of card updates ending in the final state", async () => {
    const conv = nextConversation();
    // A task no worker runs (never queued), moved by hand through the journal as fast as it goes.
    const { task } = await bot.runtime.stores.tasks.create({
      type: "k8s.restart",
      entityId: "prod/burst",
      payload: { namespace: "prod", name: "burst" },
      requestedBy: ADELE.aadObjectId,
      source: "bot",
    });
    const shown = await bot.command(conv, `status ${task.id}`);
    expect((await storeOrigin(conv, task.id, shown.activityId)).status).toBe(200);
    const journal = bot.runtime.journal;
    await journal.status(task.id, "running", { startedAt: new Date() });
    const steps = ["connect", "rollout restart", "wait until ready"];
    for (let i = 0; i < 50; i++) {
      const index = Math.min(2, Math.floor(i / 17));
      await journal.progress(task.id, index, steps[index] ?? "", (i % 17) * 6, `event ${i}`);
    }
    for (const [index, name] of steps.entries()) await journal.step(task.id, index, name, "succeeded");
    await journal.status(task.id, "succeeded", { finishedAt: new Date() });

    const final = await bot.connector.waitFor(isUpdateOf(shown.activityId, "Succeeded"));
    // Count only once the updater has nothing left for this card (a late extra update would be sent by then).
    await waitUntil(() => bot.runtime.bot?.cardUpdatesSettled(task.id) ?? false, "card updates settled");
    const updates = bot.connector.updatesOf(shown.activityId);
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.length).toBeLessThanOrEqual(6);
    expect(updates.at(-1)).toBe(final);
  });

  it("retries a card update the connector throttles with 429, after Retry-After", async () => {
    const conv = nextConversation();
    bot.connector.failUpdates(1, 429, 1);
    const reply = await bot.command(conv, "restart staging/api");
    const final = await bot.connector.waitFor(isUpdateOf(reply.activityId, "Succeeded"));
    const calls = bot.connector.calls.filter((c) => c.method === "PUT" && c.activityId === reply.activityId);
    const throttled = calls.find((c) => c.status === 429);
    expect(throttled).toBeDefined();
    const retried = calls.find((c) => c.status === 200 && c.at > (throttled?.at ?? 0));
    expect(retried).toBeDefined();
    expect((retried?.at ?? 0) - (throttled?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(statusOnCard(cardOf(final.body))).toBe("Succeeded");
  });

  it("refuses a viewer's mutating command with a clear message and starts nothing", async () => {
    const before = (await (await bot.api("GET", "/api/tasks?limit=200")).json()) as { items: unknown[] };
    const reply = await bot.command(nextConversation(), "restart prod/api", { user: VIEWER });
    expect(JSON.stringify(reply.card)).toContain("You can't restart workloads: your role is viewer");
    const after = (await (await bot.api("GET", "/api/tasks?limit=200")).json()) as { items: unknown[] };
    expect(after.items.length).toBe(before.items.length);
    // Reading is fine for a viewer.
    const list = await bot.command(nextConversation(), "tasks", { user: VIEWER });
    expect(JSON.stringify(list.card)).toContain("Recent tasks");
  });

  it("refuses a viewer's Cancel on the card, tells them why and leaves the task running", async () => {
    const conv = nextConversation();
    const reply = await bot.command(conv, "restart dev/api");
    const taskId = taskIdOnCard(reply.card);
    const answer = await bot.post(
      cardActionInvoke({
        serviceUrl: bot.connector.url,
        conversationId: conv,
        replyToId: reply.activityId,
        verb: "cancel",
        data: { taskId },
        user: VIEWER,
      }),
    );
    expect(JSON.stringify(answer.body)).toContain("You can't cancel tasks: your role is viewer");
    await bot.connector.waitFor(isUpdateOf(reply.activityId, "Succeeded"));
    expect(await taskStatus(taskId)).toBe("succeeded");
  });

  it("creates one task when Teams redelivers the same message", async () => {
    const conv = nextConversation();
    const first = await bot.command(conv, "backup azure-postgres orders-db", {
      id: "redelivered-activity-1",
    });
    const second = await bot.command(conv, "backup azure-postgres orders-db", {
      id: "redelivered-activity-1",
    });
    expect(taskIdOnCard(second.card)).toBe(taskIdOnCard(first.card));
    const res = await bot.api("GET", "/api/tasks?type=db.backup&limit=200");
    const items = ((await res.json()) as { items: Array<{ entityId: string }> }).items;
    expect(items.filter((t) => t.entityId.includes("orders-db"))).toHaveLength(1);
  });

  it("answers help, tasks, dlq and cost with their cards", async () => {
    const help = JSON.stringify((await bot.command(nextConversation(), "help")).card);
    for (const usage of [
      "restart <namespace>/<workload>",
      "deploy <project>/<environment> [template]",
      "cost <cpu> <memoryGb> <storageGb>",
    ]) {
      expect(help).toContain(usage);
    }
    expect(JSON.stringify((await bot.command(nextConversation(), "dlq")).card)).toContain(
      "Dead-letter queue",
    );
    expect(JSON.stringify((await bot.command(nextConversation(), "cost 2 4 100")).card)).toContain(
      "Monthly cost estimate",
    );
  });
});
