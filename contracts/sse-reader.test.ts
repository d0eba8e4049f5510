import { describe, expect, it } from "vitest";
import { readSse, type SseMessage } from "./sse-reader";

/** A body that delivers exactly these chunks, so a test chooses where the boundaries fall. */
function body(...chunks: Array<string | Uint8Array>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks)
        controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
}

async function all(stream: ReadableStream<Uint8Array>, lastEventId?: string): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  for await (const message of readSse(stream, { lastEventId })) out.push(message);
  return out;
}

describe("readSse", () => {
  it("reads messages whose chunks split field names, values and line endings", async () => {
    const messages = await all(
      body(
        "ev",
        "ent: st",
        "ep\nid",
        ": 4",
        '\ndata: {"a"',
        ":1}\r",
        "\n\r\nevent: log\r\nid: 5\r\ndata: x\n",
        "\n",
      ),
    );
    expect(messages).toEqual([
      { event: "step", id: "4", data: '{"a":1}' },
      { event: "log", id: "5", data: "x" },
    ]);
  });

  it("joins several data lines with newlines and names unnamed messages 'message'", async () => {
    const messages = await all(body("data: first\ndata: second\ndata:\ndata:  spaced\n\n"));
    expect(messages).toEqual([{ event: "message", id: undefined, data: "first\nsecond\n\n spaced" }]);
  });

  it("decodes a multi-byte character split across two chunks", async () => {
    const bytes = new TextEncoder().encode("data: café ☕\n\n");
    const cut = bytes.indexOf(0xe2) + 1; // inside the three bytes of ☕
    const messages = await all(body(bytes.slice(0, cut), bytes.slice(cut)));
    expect(messages.map((m) => m.data)).toEqual(["café ☕"]);
  });

  it("reports comments such as heartbeats and never turns them into messages", async () => {
    const comments: string[] = [];
    const reader = readSse(body(": connected\n\n", ":heartbeat\n\nid: 1\ndata: a\n\n: heart", "beat\n\n"), {
      onComment: (c) => comments.push(c),
    });
    const messages: SseMessage[] = [];
    for await (const m of reader) messages.push(m);
    expect(messages).toEqual([{ event: "message", id: "1", data: "a" }]);
    expect(comments).toEqual(["connected", "heartbeat", "heartbeat"]);
  });

  it("keeps the last event id for messages that carry none, and an empty id clears it", async () => {
    const messages = await all(
      body(
        "id: 7\ndata: a\n\n",
        "data: b\n\n",
        "event: done\ndata: c\n\n",
        "id:\ndata: d\n\n",
        "data: e\n\n",
      ),
    );
    expect(messages.map((m) => [m.data, m.id])).toEqual([
      ["a", "7"],
      ["b", "7"],
      ["c", "7"],
      ["d", undefined],
      ["e", undefined],
    ]);
  });

  it("starts from the Last-Event-ID it resumed with until the stream names a newer one", async () => {
    const reader = readSse(body("data: a\n\nid: 13\ndata: b\n\n"), { lastEventId: "12" });
    expect(reader.lastEventId()).toBe("12");
    expect((await reader.next())?.id).toBe("12");
    expect((await reader.next())?.id).toBe("13");
    expect(await reader.next()).toBeNull();
    expect(reader.lastEventId()).toBe("13");
  });

  it("remembers the retry delay the server asks for", async () => {
    const reader = readSse(body("retry: 1000\n: connected\n\n", "data: a\n\n", "retry: soon\n\n"));
    expect(reader.retryMs()).toBeUndefined();
    await reader.next();
    expect(reader.retryMs()).toBe(1000);
    expect(await reader.next()).toBeNull();
    expect(reader.retryMs()).toBe(1000);
  });

  it("drops a message the stream ended without finishing", async () => {
    expect(await all(body("data: whole\n\n", "data: half"))).toEqual([
      { event: "message", id: undefined, data: "whole" },
    ]);
  });

  it("cancels the body when the reader stops early, ending a stream that would never end", async () => {
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("data: 1\n\ndata: 2\n\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const message of readSse(endless)) {
      expect(message.data).toBe("1");
      break;
    }
    expect(cancelled).toBe(true);
  });

  it("ends a pending read when cancelled from outside", async () => {
    const silent = new ReadableStream<Uint8Array>({ start() {} });
    const reader = readSse(silent);
    const waiting = reader.next();
    await reader.cancel();
    expect(await waiting).toBeNull();
  });
});
