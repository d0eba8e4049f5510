/** One Server-Sent Events message. */
export interface SseMessage {
  event: string;
  id: string | null;
  data: string;
}

/** Parses an SSE response body (spec line handling: \n, \r\n or \r; comments ignored). */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let id: string | null = null;
  let data: string[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "") {
          if (data.length > 0 || event) yield { event: event || "message", id, data: data.join("\n") };
          event = "";
          id = null;
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "data") data.push(value);
        else if (field === "event") event = value;
        else if (field === "id") id = value;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** Formats one outgoing SSE message; multi-line data becomes several data: lines. */
export function sseMessage(message: { event?: string; id?: string | number | null; data: string }): string {
  let out = "";
  if (message.event) out += `event: ${message.event}\n`;
  if (message.id !== undefined && message.id !== null) out += `id: ${message.id}\n`;
  for (const line of message.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}
