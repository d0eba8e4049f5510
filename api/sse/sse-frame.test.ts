import { describe, expect, it } from "vitest";
import { sseFrame } from "./sse-frame";

const text = (frame: Uint8Array) => new TextDecoder().decode(frame);

describe("sseFrame", () => {
  it("writes event, data lines and id as Hono's writeSSE does", () => {
    expect(text(sseFrame({ id: 7, event: "status", data: { a: 1 } }))).toBe(
      'event: status\ndata: {"a":1}\nid: 7\n\n',
    );
    expect(text(sseFrame({ data: "one\ntwo\r\nthree" }))).toBe("data: one\ndata: two\ndata: three\n\n");
    expect(text(sseFrame({ id: 0, data: "x" }))).toBe("data: x\nid: 0\n\n");
  });

  it("serialises one event once for every client that receives it with the same id", () => {
    const event = { taskId: "tsk_1", data: { kind: "log", message: "é" } };
    const first = sseFrame({ id: 3, event: "log", data: event });
    expect(sseFrame({ id: 3, event: "log", data: event })).toBe(first);
    // A per-task stream numbers the same event differently: its own frame.
    const other = sseFrame({ id: 1, event: "log", data: event });
    expect(other).not.toBe(first);
    expect(text(other)).toContain("id: 1\n");
  });

  it("refuses an id or event name with a line break (it would forge fields)", () => {
    expect(() => sseFrame({ event: "a\nid: 9", data: "x" })).toThrow(/line break/);
  });
});
