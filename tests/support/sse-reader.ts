export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * Reads Server-Sent Events from a fetch Response, as a browser's EventSource would parse them,
 * keeping comment lines too so tests can see heartbeats.
 */
export function readSse(res: Response) {
  if (!res.body) throw new Error("the response has no body");
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let ended = false;
  const comments: string[] = [];

  async function next(): Promise<SseEvent | null> {
    for (;;) {
      const boundary = buffer.indexOf("\n\n");
      if (boundary >= 0) {
        const block = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const event: SseEvent = { event: "message", data: "" };
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) comments.push(line.slice(1).trim());
          else if (line.startsWith("event: ")) event.event = line.slice(7);
          else if (line.startsWith("id: ")) event.id = line.slice(4);
          else if (line.startsWith("data: ")) data.push(line.slice(6));
        }
        if (data.length === 0) continue;
        event.data = data.join("\n");
        return event;
      }
      if (ended) return null;
      const chunk = await reader.read();
      if (chunk.done) ended = true;
      else buffer += decoder.decode(chunk.value, { stream: true });
    }
  }

  return {
    next,
    comments,
    /** Events until `stop` says so (inclusive) or the stream ends. */
    async until(stop: (e: SseEvent) => boolean, limit = 10_000): Promise<SseEvent[]> {
      const out: SseEvent[] = [];
      while (out.length < limit) {
        const e = await next();
        if (!e) break;
        out.push(e);
        if (stop(e)) break;
      }
      return out;
    },
    /** Whether the server ended the stream (reads on until the end). */
    async ended(): Promise<boolean> {
      while (await next()) {
        // drain
      }
      return ended;
    },
    cancel: () => reader.cancel().catch(() => undefined),
  };
}
