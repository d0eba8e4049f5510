import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BotRuntime, startBotRuntime, statusOnCard, taskIdOnCard } from "../support/bot-runtime";

interface EmulatorActivity {
  id: string;
  replyToId?: string;
  kind: "created" | "updated";
  attachments: Array<{ contentType: string; content: Record<string, unknown> }>;
}

/** Reads `event: activity` messages from the emulator's stream until `done` says enough. */
async function readActivities(
  url: string,
  done: (seen: Array<{ seq: string; data: EmulatorActivity }>) => boolean,
  lastEventId?: string,
): Promise<Array<{ seq: string; data: EmulatorActivity }>> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 15_000);
  const res = await fetch(url, {
    headers: lastEventId ? { "last-event-id": lastEventId } : {},
    signal: controller.signal,
  });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const seen: Array<{ seq: string; data: EmulatorActivity }> = [];
  let buffer = "";
  try {
    while (!done(seen)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf("\n\n");
        const id = /^id: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (/^event: activity$/m.test(block) && id && data)
          seen.push({ seq: id, data: JSON.parse(data) as EmulatorActivity });
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return seen;
}

describe("Teams emulator backend (demo /chat)", () => {
  let bot: BotRuntime;
  beforeAll(async () => {
    bot = await startBotRuntime();
  });
  afterAll(async () => {
    await bot?.stop();
  });

  it("sends a typed message to the bot and streams the card reply and its updates to the page", async () => {
    const base = `${bot.url}/emulator/conversations/chat-test-1`;
    const sent = await fetch(`${base}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "restart prod/web", user: { id: "29:ada", name: "Ada Admin" } }),
    });
    expect(sent.status).toBe(202);
    const { activityId } = (await sent.json()) as { activityId: string };

    const events = await readActivities(`${base}/events`, (seen) =>
      seen.some(
        (e) =>
          e.data.kind === "updated" && statusOnCard(e.data.attachments[0]?.content ?? {}) === "Succeeded",
      ),
    );
    const reply = events[0]?.data;
    expect(reply).toMatchObject({ kind: "created", replyToId: activityId });
    const card = reply?.attachments[0]?.content ?? {};
    const taskId = taskIdOnCard(card);
    expect(events.every((e) => e.data.kind === "created" || e.data.id === reply?.id)).toBe(true);
    const task = (await (await bot.api("GET", `/api/tasks/${taskId}`)).json()) as { requestedBy: string };
    expect(task.requestedBy).toBe("ada.admin@cloudops.demo");

    // A page that reconnects gets only what it missed.
    const lastSeq = events.at(-1)?.seq;
    const replay = await readActivities(
      `${base}/events`,
      (seen) => seen.length > 0 || Date.now() < 0,
      events[0]?.seq,
    );
    expect(replay[0]?.seq).toBe(events[1]?.seq);
    expect(Number(lastSeq)).toBeGreaterThan(Number(events[0]?.seq));
  });

  it("passes a card button press to the bot and answers with the card", async () => {
    const base = `${bot.url}/emulator/conversations/chat-test-2`;
    await fetch(`${base}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "restart prod/worker" }),
    });
    const [first] = await readActivities(`${base}/events`, (seen) => seen.length > 0);
    const card = first?.data.attachments[0]?.content ?? {};
    const res = await fetch(`${base}/invoke`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        replyToId: first?.data.id,
        verb: "refresh",
        data: { taskId: taskIdOnCard(card) },
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { statusCode: number; type: string; value: Record<string, unknown> };
    expect(body).toMatchObject({ statusCode: 200, type: "application/vnd.microsoft.card.adaptive" });
    expect(taskIdOnCard(body.value)).toBe(taskIdOnCard(card));
  });

  it("refuses a conversation id outside the allowed characters", async () => {
    const res = await fetch(`${bot.url}/emulator/conversations/bad%20id/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "help" }),
    });
    expect(res.status).toBe(400);
  });
});
