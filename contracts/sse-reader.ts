import { createParser } from "eventsource-parser";

// The one Server-Sent Events reader of the bot, the site and the tests. eventsource-parser does the
// line work (chunk boundaries, \r\n, multi-line data, comments, retry); this adds what it leaves to
// the caller: EventSource's default event type and a last event id that persists across events.

/** One message of a text/event-stream, as an EventSource would dispatch it. */
export interface SseMessage {
  /** The `event:` field; "message" when the server named none. */
  event: string;
  /**
   * The stream's last event id when this message arrived: the latest `id:` seen so far, kept across
   * messages that carry none (as EventSource keeps it). Send it as Last-Event-ID to resume.
   */
  id: string | undefined;
  data: string;
}

export interface SseReaderOptions {
  /** The Last-Event-ID this stream was opened with: the id until the stream names another. */
  lastEventId?: string | undefined;
  /** Called with each comment line (without its colon), such as `heartbeat`. */
  onComment?(comment: string): void;
}

export interface SseReader extends AsyncIterable<SseMessage> {
  /** The next message, or null once the stream has ended. */
  next(): Promise<SseMessage | null>;
  /** Where a reconnect resumes: the last event id seen (or the one the stream was opened with). */
  lastEventId(): string | undefined;
  /** The reconnection delay the server asked for with `retry:`, if it did. */
  retryMs(): number | undefined;
  /** Stops reading and releases the connection; the iterator then ends. */
  cancel(): Promise<void>;
}

/**
 * Reads Server-Sent Events from a response body. Leaving a `for await` early cancels the body, so
 * an abandoned stream does not hold its connection.
 */
export function readSse(body: ReadableStream<Uint8Array>, options: SseReaderOptions = {}): SseReader {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const pending: SseMessage[] = [];
  let lastId = nonEmpty(options.lastEventId);
  let retry: number | undefined;
  let ended = false;

  const parser = createParser({
    onEvent(message) {
      // An empty `id:` clears the last event id (the spec's rule); no id line keeps it.
      if (message.id !== undefined) lastId = nonEmpty(message.id);
      pending.push({ event: message.event ?? "message", id: lastId, data: message.data });
    },
    onRetry(ms) {
      retry = ms;
    },
    onComment: options.onComment,
  });

  async function next(): Promise<SseMessage | null> {
    for (;;) {
      const message = pending.shift();
      if (message) return message;
      if (ended) return null;
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        ended = true;
        throw error;
      }
      if (chunk.done) {
        // A message the stream did not finish with a blank line is dropped, as EventSource does.
        parser.feed(decoder.decode());
        ended = true;
      } else {
        parser.feed(decoder.decode(chunk.value, { stream: true }));
      }
    }
  }

  async function cancel(): Promise<void> {
    ended = true;
    pending.length = 0;
    await reader.cancel().catch(() => undefined);
  }

  return {
    next,
    lastEventId: () => lastId,
    retryMs: () => retry,
    cancel,
    async *[Symbol.asyncIterator]() {
      let finished = false;
      try {
        for (;;) {
          const message = await next();
          if (!message) break;
          yield message;
        }
        finished = true;
      } finally {
        if (!finished) await cancel();
      }
    },
  };
}

function nonEmpty(id: string | undefined): string | undefined {
  return id === undefined || id === "" ? undefined : id;
}
