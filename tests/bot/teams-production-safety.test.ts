import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mountBot } from "../../bot/mount";
import { loadConfig } from "../../config";
import type { LogFields, Logger } from "../../platform/logger";
import { type BotRuntime, cardOf, startBotRuntime, statusOnCard, taskIdOnCard } from "../support/bot-runtime";
import { ADELE, cardActionInvoke, channelMessage, type TeamsUser } from "../support/teams-activities";

// What keeps the Teams bot safe to expose: identity from stable ids, tenants, service URLs, refresh.

const ALICE: TeamsUser = {
  id: "29:alice-teams-id",
  name: "Alice Admin",
  aadObjectId: "aaaaaaaa-0000-4000-8000-00000000a11c",
};
// Mallory renamed herself to Alice's address; the roster still knows who she is.
const MALLORY: TeamsUser = {
  id: "29:mallory-teams-id",
  name: "alice@contoso.com",
  aadObjectId: "mmmmmmmm-0000-4000-8000-0000000ma110",
};

async function taskCount(bot: BotRuntime): Promise<number> {
  const res = await bot.api("GET", "/api/tasks?limit=100");
  return ((await res.json()) as { items: unknown[] }).items.length;
}

function refreshOf(card: Record<string, unknown>): { userIds?: string[] } {
  return (card.refresh ?? {}) as { userIds?: string[] };
}

describe("Teams roles from stable identifiers", () => {
  let bot: BotRuntime;
  beforeAll(async () => {
    bot = await startBotRuntime({
      TEAMS_USER_ROLES: "alice@contoso.com=operator",
      TEAMS_DEFAULT_ROLE: "viewer",
    });
    bot.connector.members.set(ALICE.id, { userPrincipalName: "alice@contoso.com", name: ALICE.name });
    bot.connector.members.set(MALLORY.id, { userPrincipalName: "mallory@contoso.com", name: MALLORY.name });
  });
  afterAll(async () => {
    await bot?.stop();
  });

  it("refuses a user whose display name is a listed user's address and starts nothing", async () => {
    const reply = await bot.command("19:spoof@thread.tacv2", "restart prod/api", { user: MALLORY });
    expect(JSON.stringify(reply.card)).toMatch(/viewer/i);
    expect(await taskCount(bot)).toBe(0);
  });

  it("gives the listed user their role through the roster's UPN", async () => {
    const reply = await bot.command("19:real@thread.tacv2", "restart prod/api", { user: ALICE });
    expect(taskIdOnCard(reply.card)).toMatch(/\S/);
    expect(await taskCount(bot)).toBe(1);
  });
});

describe("Teams tenants", () => {
  let bot: BotRuntime;
  beforeAll(async () => {
    bot = await startBotRuntime({ TEAMS_ALLOWED_TENANTS: "11111111-2222-4333-8444-555555555555" });
  });
  afterAll(async () => {
    await bot?.stop();
  });

  it("answers a message from another tenant with a short refusal and creates nothing", async () => {
    const activity = channelMessage({
      serviceUrl: bot.connector.url,
      conversationId: "19:other-tenant@thread.tacv2",
      text: "restart prod/api",
    });
    expect((await bot.post(activity)).status).toBe(200);
    const reply = await bot.connector.waitFor((c) => c.method === "POST");
    expect(reply.body.text).toMatch(/serves another organisation/);
    expect(reply.body.attachments).toBeUndefined();
    expect(await taskCount(bot)).toBe(0);
  });

  it("refuses a card action from another tenant with an error response and does nothing", async () => {
    const invoke = cardActionInvoke({
      serviceUrl: bot.connector.url,
      conversationId: "19:other-tenant@thread.tacv2",
      replyToId: "act-1",
      verb: "cancel",
      data: { taskId: "t_none" },
    });
    const answer = await bot.post(invoke);
    expect(answer.body).toMatchObject({
      statusCode: 403,
      type: "application/vnd.microsoft.error",
      value: { code: "tenant_not_allowed" },
    });
    expect(bot.connector.calls.filter((c) => c.method === "PUT")).toHaveLength(0);
  });
});

describe("service URLs in demo mode", () => {
  let bot: BotRuntime;
  beforeAll(async () => {
    bot = await startBotRuntime();
  });
  afterAll(async () => {
    await bot?.stop();
  });

  it("refuses an activity whose serviceUrl is neither loopback nor a Bot Connector host, before any call", async () => {
    const activity = channelMessage({
      serviceUrl: "https://connector.attacker.example/",
      conversationId: "19:ssrf@thread.tacv2",
      text: "restart prod/api",
    });
    const answer = await bot.post(activity);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: "service_url_not_allowed" });
    expect(await taskCount(bot)).toBe(0);
    expect(bot.connector.calls).toHaveLength(0);
  });
});

describe("card refresh", () => {
  let bot: BotRuntime;
  const conv = "19:refresh@thread.tacv2";
  beforeAll(async () => {
    bot = await startBotRuntime({ DEMO_STEP_DELAY_MS: "100" });
  });
  afterAll(async () => {
    await bot?.stop();
  });

  it("carries the requester in refresh.userIds, answers 20 viewers' refreshes to each of them only", async () => {
    const reply = await bot.command(conv, "restart prod/web");
    expect(refreshOf(reply.card).userIds).toEqual([ADELE.id]);
    const taskId = taskIdOnCard(reply.card);
    // Once the final state is on the card no task event is left to update it: every later PUT
    // would come from a refresh.
    await bot.connector.waitFor(
      (c) =>
        c.method === "PUT" &&
        c.activityId === reply.activityId &&
        statusOnCard(cardOf(c.body)) === "Succeeded",
      30_000,
    );
    const putsBefore = bot.connector.calls.filter((c) => c.method === "PUT").length;

    for (let i = 0; i < 20; i++) {
      const viewer: TeamsUser = { id: `29:viewer-${i}`, name: `Viewer ${i}`, aadObjectId: `v-${i}` };
      const answer = await bot.post(
        cardActionInvoke({
          serviceUrl: bot.connector.url,
          conversationId: conv,
          replyToId: reply.activityId,
          verb: "refresh",
          data: { taskId },
          user: viewer,
        }),
      );
      expect(answer.body).toMatchObject({ statusCode: 200, value: { type: "AdaptiveCard" } });
      const card = (answer.body as { value: Record<string, unknown> }).value;
      // A viewer who only looks never joins the auto-refresh list.
      expect(refreshOf(card).userIds).toEqual([ADELE.id]);
    }
    // The refreshes of a finished card never edited the message for everyone.
    expect(bot.connector.calls.filter((c) => c.method === "PUT")).toHaveLength(putsBefore);
  });

  it("adds whoever acted on the card to refresh.userIds, for everyone's copy of the card", async () => {
    const operator: TeamsUser = { id: "29:operator-olga", name: "Olga", aadObjectId: "o-1" };
    const reply = await bot.command(conv, "restart prod/log-agent");
    const taskId = taskIdOnCard(reply.card);
    const answer = await bot.post(
      cardActionInvoke({
        serviceUrl: bot.connector.url,
        conversationId: conv,
        replyToId: reply.activityId,
        verb: "cancel",
        data: { taskId },
        user: operator,
      }),
    );
    const card = (answer.body as { value: Record<string, unknown> }).value;
    expect(refreshOf(card).userIds).toEqual([ADELE.id, operator.id]);
    const update = await bot.connector.waitFor(
      (c) =>
        c.method === "PUT" &&
        c.activityId === reply.activityId &&
        (refreshOf(cardOf(c.body)).userIds ?? []).includes(operator.id),
    );
    expect(refreshOf(cardOf(update.body)).userIds).toEqual([ADELE.id, operator.id]);
  });
});

describe("production without a bot registration", () => {
  it("mounts neither /api/messages nor /emulator and warns once naming MICROSOFT_APP_ID", async () => {
    const warnings: Array<{ msg: string; fields?: LogFields }> = [];
    const logger: Logger = {
      debug() {},
      info() {},
      error() {},
      warn: (msg, fields) => warnings.push({ msg, fields }),
      child: () => logger,
    };
    const config = loadConfig({
      DEMO_MODE: "false",
      OIDC_ISSUER: "https://login.example.test/tenant/v2.0",
      SESSION_SECRET: "x".repeat(32),
      OIDC_CLIENT_ID: "cloudops",
      LOG_LEVEL: "silent",
    });
    const app = new Hono();
    expect(mountBot(app, config, logger)).toBeNull();
    const messages = await app.request("/api/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(
        channelMessage({ serviceUrl: "http://127.0.0.1:1/", conversationId: "c", text: "help" }),
      ),
    });
    expect(messages.status).toBe(404);
    const emulator = await app.request("/emulator/conversations/c1/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "help" }),
    });
    expect(emulator.status).toBe(404);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toContain("MICROSOFT_APP_ID");
  });
});
