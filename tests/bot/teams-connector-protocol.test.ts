import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { BOT_CARD_MAX_BYTES } from "../../cards/budget";
import { cardBytes } from "../../cards/expand";
import { cardProblems } from "../../cards/validate";
import type { LogFields, Logger } from "../../platform/logger";
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
import {
  ADELE,
  BOT,
  botAddedActivity,
  cardActionInvoke,
  channelMessage,
  installationUpdate,
  submitMessage,
  type TeamsUser,
} from "../support/teams-activities";

// Issue 16, items 1-3, 5 and 7-9, driven through POST /api/messages and the fake Bot Connector.

const VIEWER: TeamsUser = {
  id: "29:viewer-v",
  name: "Vic Viewer",
  aadObjectId: "11111111-0000-4000-8000-0000000000ee",
};
const warnings: Array<{ msg: string; fields?: LogFields }> = [];
const logger: Logger = {
  debug() {},
  info() {},
  error: (msg, fields) => warnings.push({ msg, fields }),
  warn: (msg, fields) => warnings.push({ msg, fields }),
  child: () => logger,
};

let bot: BotRuntime;
let n = 0;
const nextConversation = () => `19:proto-${++n}@thread.tacv2`;
const posts = (conv: string) =>
  bot.connector.calls.filter((c) => c.method === "POST" && c.conversationId.startsWith(conv));
const isUpdateOf = (activityId: string, status?: string) => (c: ConnectorCall) =>
  c.method === "PUT" &&
  c.activityId === activityId &&
  c.status === 200 &&
  (!status || statusOnCard(cardOf(c.body)) === status);

beforeAll(async () => {
  bot = await startBotRuntime(
    { DEMO_STEP_DELAY_MS: "300", TEAMS_USER_ROLES: `${VIEWER.aadObjectId}=viewer` },
    { logger },
  );
});
afterAll(async () => {
  if (process.env.DEBUG_BOT_TEST) console.log(JSON.stringify(warnings.slice(0, 20), null, 1));
  await bot?.stop();
});

async function taskStatus(taskId: string): Promise<string> {
  return ((await (await bot.api("GET", `/api/tasks/${taskId}`)).json()) as { status: string }).status;
}

async function failedTask(entity: string): Promise<string> {
  const { task } = await bot.runtime.tasks.submit({
    type: "k8s.restart",
    entityId: `shop/${entity}`,
    payload: { namespace: "shop", name: entity, failAt: "connect", failTimes: 1, failPermanently: true },
    requestedBy: ADELE.aadObjectId,
    source: "bot",
  });
  await waitUntil(async () => (await taskStatus(task.id)) === "failed", "the task failed");
  return task.id;
}

describe("1. welcome", () => {
  it("welcomes a team once, though Teams sends both conversationUpdate and installationUpdate", async () => {
    const conv = nextConversation();
    const serviceUrl = bot.connector.url;
    expect(
      (await bot.post(botAddedActivity({ serviceUrl, conversationId: conv, scope: "team" }))).status,
    ).toBe(200);
    expect(
      (await bot.post(installationUpdate({ serviceUrl, conversationId: conv, action: "add" }))).status,
    ).toBe(200);
    expect(
      (await bot.post(botAddedActivity({ serviceUrl, conversationId: conv, scope: "team" }))).status,
    ).toBe(200);
    await bot.connector.waitFor((c) => c.method === "POST" && c.conversationId === conv);
    expect(posts(conv)).toHaveLength(1);
    const card = cardOf(posts(conv)[0]?.body ?? {});
    expect(cardProblems(card)).toEqual([]);
    const text = JSON.stringify(card);
    expect(text).toContain("Welcome to CloudOps");
    expect(text).toContain("restart <namespace>/<workload>");
  });

  it("welcomes a personal chat, and says nothing when someone else joins or the app is removed", async () => {
    const personal = "a:1personal-welcome";
    const serviceUrl = bot.connector.url;
    await bot.post(botAddedActivity({ serviceUrl, conversationId: personal, scope: "personal" }));
    await bot.connector.waitFor((c) => c.method === "POST" && c.conversationId === personal);
    expect(JSON.stringify(cardOf(posts(personal)[0]?.body ?? {}))).toContain("Welcome to CloudOps");

    const team = nextConversation();
    const someone = botAddedActivity({
      serviceUrl,
      conversationId: team,
      scope: "team",
      membersAdded: [{ id: "29:new-person" }],
    });
    expect((await bot.post(someone)).status).toBe(200);
    expect(
      (await bot.post(installationUpdate({ serviceUrl, conversationId: team, action: "remove" }))).status,
    ).toBe(200);
    // A later command in that conversation is answered, and is the first message there.
    const reply = await bot.command(team, "help");
    expect(JSON.stringify(reply.card)).not.toContain("Welcome to CloudOps");
    expect(posts(team)).toHaveLength(1);
  });
});

describe("2. redelivery", () => {
  it("posts one card for a message delivered twice at once and again later; that card reaches the final state", async () => {
    const conv = nextConversation();
    const activity = channelMessage({
      serviceUrl: bot.connector.url,
      conversationId: conv,
      text: "restart prod/web",
    });
    const [a, b] = await Promise.all([bot.post(activity), bot.post(activity)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const first = await bot.connector.waitFor((c) => c.method === "POST" && c.activityId === activity.id);
    expect((await bot.post(activity)).status).toBe(200);
    const final = await bot.connector.waitFor(isUpdateOf(first.resultId ?? "", "Succeeded"), 30_000);
    expect(verbsOnCard(cardOf(final.body))).toEqual([]);
    await waitUntil(
      () => bot.runtime.bot?.cardUpdatesSettled(taskIdOnCard(cardOf(first.body))) ?? false,
      "settled",
    );
    expect(posts(conv)).toHaveLength(1);
    const tasks = (await (await bot.api("GET", "/api/tasks?limit=200")).json()) as {
      items: Array<{ entityId: string }>;
    };
    expect(tasks.items.filter((t) => t.entityId === "prod/web")).toHaveLength(1);
  });
});

describe("3. every card of a task", () => {
  it("keeps the starting card and a status card current after Retry on the status card", async () => {
    const conv = nextConversation();
    const taskId = await failedTask("cart");
    const one = await bot.command(conv, `status ${taskId}`);
    const two = await bot.command(conv, `status ${taskId}`);
    expect(verbsOnCard(two.card)).toEqual(["retry"]);
    const answer = await bot.post(
      cardActionInvoke({
        serviceUrl: bot.connector.url,
        conversationId: conv,
        replyToId: two.activityId,
        verb: "retry",
        data: { taskId },
      }),
    );
    expect(answer.status).toBe(200);
    const [a, b] = await Promise.all([
      bot.connector.waitFor(isUpdateOf(one.activityId, "Succeeded"), 30_000),
      bot.connector.waitFor(isUpdateOf(two.activityId, "Succeeded"), 30_000),
    ]);
    expect(taskIdOnCard(cardOf(a.body))).toBe(taskId);
    expect(taskIdOnCard(cardOf(b.body))).toBe(taskId);
  });
});

describe("5. one rate limit per conversation for every send", () => {
  it("spaces ten commands at once in one thread: never more than 7 calls in 1 s or 8 in 2 s", async () => {
    const conv = nextConversation();
    // Ten workloads of the demo cluster, so every task runs and its card keeps changing.
    const workloads = ["prod/api", "prod/worker", "prod/postgres", "prod/log-agent", "shop/web", "shop/api"];
    workloads.push("staging/api", "staging/web", "dev/api", "prod/web");
    const activities = workloads.map((w) =>
      channelMessage({ serviceUrl: bot.connector.url, conversationId: conv, text: `restart ${w}` }),
    );
    const answers = await Promise.all(activities.map((a) => bot.post(a)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    await waitUntil(() => posts(conv).length === 10, "ten replies", 30_000);
    const taskIds = posts(conv).map((c) => taskIdOnCard(cardOf(c.body)));
    await waitUntil(
      () => taskIds.every((id) => bot.runtime.bot?.cardUpdatesSettled(id) ?? false),
      "every card settled",
      60_000,
    );
    const times = bot.connector.calls
      .filter((c) => c.method !== "GET" && c.conversationId.startsWith(conv))
      .map((c) => c.at)
      .sort((x, y) => x - y);
    expect(times.length).toBeGreaterThan(10);
    // Sends are counted when the bot makes them; the connector sees them a socket hop later, so a
    // window may look up to a few milliseconds shorter here than it was.
    const hop = 50;
    for (let i = 0; i + 7 < times.length; i++)
      expect((times[i + 7] ?? 0) - (times[i] ?? 0)).toBeGreaterThanOrEqual(1000 - hop);
    for (let i = 0; i + 8 < times.length; i++)
      expect((times[i + 8] ?? 0) - (times[i] ?? 0)).toBeGreaterThanOrEqual(2000 - hop);
  }, 90_000);
});

describe("7. card size in UTF-8 bytes", () => {
  it("keeps a task card with CJK and control-character logs within 40 KB and points at the dashboard", async () => {
    const { task } = await bot.runtime.stores.tasks.create({
      type: "k8s.restart",
      entityId: "prod/cjk",
      payload: { namespace: "prod", name: "cjk" },
      requestedBy: "部署担当者".repeat(40),
      source: "bot",
    });
    for (let i = 0; i < 60; i++) {
      await bot.runtime.journal.log(task.id, `${"部署失敗日志\u0001\u0002".repeat(120)} ${i}`, "error");
    }
    const reply = await bot.command(nextConversation(), `status ${task.id}`);
    expect(cardBytes(reply.card)).toBeLessThanOrEqual(BOT_CARD_MAX_BYTES);
    expect(cardProblems(reply.card)).toEqual([]);
    expect(JSON.stringify(reply.card)).toContain("on the dashboard");
  });
});

describe("8. legacy clients", () => {
  it("puts an Action.Submit fallback on every Action.Execute of the cards it posts", async () => {
    const reply = await bot.command(nextConversation(), "restart staging/api");
    const actions = (reply.card.actions ?? []) as Array<Record<string, unknown>>;
    const execute = actions.filter((a) => a.type === "Action.Execute");
    expect(execute.length).toBeGreaterThan(0);
    for (const action of execute) {
      expect(action.fallback).toMatchObject({ type: "Action.Submit", data: { verb: action.verb } });
    }
  });

  it("handles a submit (value, no text) as the action: cancels, updates the card, posts no help card", async () => {
    const conv = nextConversation();
    const reply = await bot.command(conv, "restart prod/worker");
    const taskId = taskIdOnCard(reply.card);
    const press = submitMessage({
      serviceUrl: bot.connector.url,
      conversationId: conv,
      replyToId: reply.activityId,
      value: { taskId, verb: "cancel" },
    });
    expect((await bot.post(press)).status).toBe(200);
    await bot.connector.waitFor(isUpdateOf(reply.activityId, "Cancelled"), 30_000);
    expect(await taskStatus(taskId)).toBe("cancelled");
    expect(posts(conv)).toHaveLength(1);
  });

  it("answers a viewer's submit with the reason and leaves the task alone", async () => {
    const conv = nextConversation();
    const reply = await bot.command(conv, "restart dev/api");
    const taskId = taskIdOnCard(reply.card);
    const press = submitMessage({
      serviceUrl: bot.connector.url,
      conversationId: conv,
      replyToId: reply.activityId,
      value: { taskId, verb: "cancel" },
      user: VIEWER,
    });
    await bot.post(press);
    const answer = await bot.connector.waitFor((c) => c.method === "POST" && c.activityId === press.id);
    expect(JSON.stringify(cardOf(answer.body))).toContain("You can't cancel tasks: your role is viewer");
    await bot.connector.waitFor(isUpdateOf(reply.activityId, "Succeeded"), 30_000);
  });
});

describe("9. smaller defects", () => {
  it("titles a deploy card with project/environment, not the environment id", async () => {
    const reply = await bot.command(nextConversation(), "deploy shop/dev");
    expect(JSON.stringify(reply.card)).toContain('"text":"Deploy to shop/dev"');
    expect(JSON.stringify(reply.card)).not.toMatch(/"text":"Deploy to env_/);
  });

  it("sends card updates without a replyToId", async () => {
    const reply = await bot.command(nextConversation(), "restart shop/web");
    const final = await bot.connector.waitFor(isUpdateOf(reply.activityId, "Succeeded"), 30_000);
    for (const put of bot.connector.calls.filter(
      (c) => c.method === "PUT" && c.activityId === reply.activityId,
    )) {
      expect(put.body.replyToId).toBeUndefined();
    }
    expect(final.body.id).toBe(reply.activityId);
  });

  it("says the task has succeeded when Retry is pressed on a finished task", async () => {
    const conv = nextConversation();
    const reply = await bot.command(conv, "restart shop/api");
    await bot.connector.waitFor(isUpdateOf(reply.activityId, "Succeeded"), 30_000);
    const answer = await bot.post(
      cardActionInvoke({
        serviceUrl: bot.connector.url,
        conversationId: conv,
        replyToId: reply.activityId,
        verb: "retry",
        data: { taskId: taskIdOnCard(reply.card) },
      }),
    );
    expect(JSON.stringify(answer.body)).toContain("The task has succeeded; only failed tasks can be retried");
  });
});

describe("9. a garbage bearer token", () => {
  let secured: BotRuntime;
  const lines: string[] = [];
  const securedLogger: Logger = {
    debug() {},
    info() {},
    warn: (msg, fields) => lines.push(`${msg} ${JSON.stringify(fields ?? {})}`),
    error: (msg, fields) => lines.push(`${msg} ${JSON.stringify(fields ?? {})}`),
    child: () => securedLogger,
  };
  beforeAll(async () => {
    secured = await startBotRuntime(
      {
        MICROSOFT_APP_ID: "00000000-0000-4000-8000-00000000b07d",
        MICROSOFT_APP_PASSWORD: "not-a-real-secret",
      },
      { logger: securedLogger },
    );
  });
  afterAll(async () => {
    await secured?.stop();
  });

  it("is refused with 401 and logs one line, not the SDK's stack", async () => {
    const printed = vi.spyOn(console, "error");
    const stdout = vi.spyOn(process.stdout, "write");
    try {
      const activity = channelMessage({
        serviceUrl: secured.connector.url,
        conversationId: "19:g@thread.tacv2",
        text: "tasks",
      });
      const answer = await secured.post(activity, { authorization: "Bearer not-a-jwt-at-all" });
      expect(answer.status).toBe(401);
      const relevant = lines.filter((l) => l.includes("token"));
      expect(relevant).toHaveLength(1);
      expect(relevant[0]).not.toContain("\n");
      expect(printed).not.toHaveBeenCalled();
      expect(stdout.mock.calls.map((c) => String(c[0])).join("")).not.toMatch(/\n\s+at /);
    } finally {
      printed.mockRestore();
      stdout.mockRestore();
    }
    expect(secured.connector.calls).toHaveLength(0);
  });
});

// The bot's own id never receives a welcome of its own making (a sanity check of the fixtures).
it("uses the bot id of the fixtures as recipient", () => {
  expect(BOT.id).toMatch(/^28:/);
});
