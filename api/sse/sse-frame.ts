import type { SseMessage } from "./sse-channel";

const encoder = new TextEncoder();

// Frames of object payloads, per payload object. The event bus hands the same parsed event object to
// every subscriber, so with 1,000 clients on a stream the event is stringified and encoded once, not
// 1,000 times; the entry goes when the event object does.
const framesByData = new WeakMap<object, Map<string, Uint8Array>>();

function build(message: SseMessage): Uint8Array {
  const { id, event, data } = message;
  const text = typeof data === "string" ? data : JSON.stringify(data);
  for (const value of [event, id === undefined ? undefined : String(id)]) {
    if (value && /[\r\n]/.test(value))
      throw new Error("an SSE event name or id must not contain a line break");
  }
  // The same wire format as Hono's writeSSE: event, data lines, id, blank line.
  const lines = [
    ...(event ? [`event: ${event}`] : []),
    ...text.split(/\r\n|\r|\n/).map((line) => `data: ${line}`),
    ...(id !== undefined ? [`id: ${id}`] : []),
  ];
  return encoder.encode(`${lines.join("\n")}\n\n`);
}

/** The encoded SSE frame of `message`, built once per (payload object, id, event name). */
export function sseFrame(message: SseMessage): Uint8Array {
  const { data } = message;
  if (typeof data !== "object" || data === null) return build(message);
  let frames = framesByData.get(data);
  if (!frames) {
    frames = new Map();
    framesByData.set(data, frames);
  }
  const key = `${message.id ?? ""}\n${message.event ?? ""}`;
  let frame = frames.get(key);
  if (!frame) {
    frame = build(message);
    frames.set(key, frame);
  }
  return frame;
}
