import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BotRuntime, startBotRuntime } from "../support/bot-runtime";

// Whatever arrives at /api/messages, a malformed activity gets a clear 4xx problem and changes nothing.
describe("malformed activities at /api/messages", () => {
  let bot: BotRuntime;
  beforeAll(async () => {
    bot = await startBotRuntime({});
  });
  afterAll(async () => {
    await bot?.stop();
  });

  const send = (body: string, contentType = "application/json") =>
    fetch(`${bot.url}/api/messages`, { method: "POST", headers: { "content-type": contentType }, body });

  it.each([
    ["not JSON", "{nope"],
    ["a JSON array", "[]"],
    ["an object without a type", "{}"],
    ["an empty type", JSON.stringify({ type: " ", text: "restart prod/api" })],
    ["a number", "42"],
    ["a non-string serviceUrl", JSON.stringify({ type: "message", text: "help", serviceUrl: 42 })],
    ["a serviceUrl object", JSON.stringify({ type: "message", text: "help", serviceUrl: { a: 1 } })],
    ["a conversation that is not an object", JSON.stringify({ type: "message", conversation: "c1" })],
    ["a NUL in the text", JSON.stringify({ type: "message", text: "restart prod/api\u0000" })],
  ])("answers 400 problem+json to %s", async (_label, body) => {
    const res = await send(body);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(await res.json()).toMatchObject({
      status: 400,
      code: "invalid_activity",
      detail: expect.any(String),
    });
  });

  it("answers 413 to an oversized activity", async () => {
    const res = await send(JSON.stringify({ type: "message", text: "x".repeat(600_000) }));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "activity_too_large" });
  });

  it("created no task and called no connector", async () => {
    const tasks = (await (await bot.api("GET", "/api/tasks?limit=10")).json()) as { items: unknown[] };
    expect(tasks.items).toHaveLength(0);
    expect(bot.connector.calls).toHaveLength(0);
    expect((await fetch(`${bot.url}/health/ready`)).status).toBe(200);
  });
});
