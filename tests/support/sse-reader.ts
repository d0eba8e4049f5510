import { readSse as readStream, type SseMessage } from "../../contracts/sse-reader";

export type SseEvent = SseMessage;

/**
 * The shared SSE reader (contracts/sse-reader.ts) over a fetch Response, with the conveniences tests
 * want: the comment lines seen so far (heartbeats) and reading until a condition holds.
 */
export function readSse(res: Response) {
  if (!res.body) throw new Error("the response has no body");
  const comments: string[] = [];
  let ended = false;
  const reader = readStream(res.body, { onComment: (c) => comments.push(c.trim()) });

  async function next(): Promise<SseEvent | null> {
    const message = await reader.next();
    if (!message) ended = true;
    return message;
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
    cancel: () => reader.cancel(),
  };
}
