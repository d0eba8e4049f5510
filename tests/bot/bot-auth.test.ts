import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BotRuntime, startBotRuntime } from "../support/bot-runtime";
import { channelMessage } from "../support/teams-activities";

// With a bot registration (MICROSOFT_APP_ID) only the Bot Framework may talk to /api/messages.
describe("Bot Framework authentication", () => {
  let bot: BotRuntime;
  beforeAll(async () => {
    bot = await startBotRuntime({
      MICROSOFT_APP_ID: "00000000-0000-4000-8000-00000000b07d",
      MICROSOFT_APP_PASSWORD: "not-a-real-secret",
    });
  });
  afterAll(async () => {
    await bot?.stop();
  });

  it("answers 401 to an activity without a Bot Framework token and does nothing", async () => {
    const activity = channelMessage({
      serviceUrl: bot.connector.url,
      conversationId: "19:auth@thread.tacv2",
      text: "restart prod/api",
    });
    const answer = await bot.post(activity);
    expect(answer.status).toBe(401);
    expect(JSON.stringify(answer.body ?? "")).not.toContain("Error");
    const tasks = (await (await bot.api("GET", "/api/tasks?limit=10")).json()) as { items: unknown[] };
    expect(tasks.items).toHaveLength(0);
    expect(bot.connector.calls).toHaveLength(0);
  });

  it("answers 401 to an activity with a token from an issuer the Bot Framework does not use", async () => {
    const activity = channelMessage({
      serviceUrl: bot.connector.url,
      conversationId: "19:auth@thread.tacv2",
      text: "tasks",
    });
    const header = Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT", kid: "forged" })).toString(
      "base64url",
    );
    const claims = Buffer.from(
      JSON.stringify({
        iss: "https://sts.forged.example.com/",
        aud: "00000000-0000-4000-8000-00000000b07d",
        exp: 4102444800,
      }),
    ).toString("base64url");
    const answer = await bot.post(activity, { authorization: `Bearer ${header}.${claims}.c2lnbmF0dXJl` });
    expect(answer.status).toBe(401);
    expect(bot.connector.calls).toHaveLength(0);
  });

  it("does not serve the Teams emulator when a real bot is registered", async () => {
    const res = await fetch(`${bot.url}/emulator/conversations/c1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "help" }),
    });
    expect(res.status).toBe(404);
  });
});
