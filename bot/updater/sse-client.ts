import { backoffDelay } from "../../platform/backoff";
import type { Logger } from "../../platform/logger";
import { CARD_DELIVERY_BACKOFF } from "./coalescer";

export interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
}

export interface SseSubscription {
  /** The id of the last event seen: where a reconnect resumes. */
  lastEventId(): string | undefined;
  close(): Promise<void>;
}

/**
 * Follows an event stream for as long as it is open: reconnects with backoff and jitter after any
 * drop and resumes with Last-Event-ID, so no event is skipped across API restarts.
 */
export function followEventStream(options: {
  open(lastEventId: string | undefined, signal: AbortSignal): Promise<Response>;
  onMessage(message: SseMessage): void;
  logger: Logger;
  lastEventId?: string;
}): SseSubscription {
  const controller = new AbortController();
  let lastId = options.lastEventId;
  let failures = 0;

  const loop = (async () => {
    while (!controller.signal.aborted) {
      try {
        const response = await options.open(lastId, controller.signal);
        if (!response.ok || !response.body) throw new Error(`event stream answered ${response.status}`);
        failures = 0;
        const reader = response.body.getReader();
        // Aborting the request does not end an in-process stream; cancelling the reader does.
        const cancel = () => void reader.cancel().catch(() => undefined);
        controller.signal.addEventListener("abort", cancel, { once: true });
        for await (const message of readEvents(reader)) {
          if (message.id !== undefined) lastId = message.id;
          try {
            options.onMessage(message);
          } catch (error) {
            options.logger.error("event handler failed", { error });
          }
        }
      } catch (error) {
        if (controller.signal.aborted) break;
        failures++;
        options.logger.warn("task event stream dropped; reconnecting", {
          error,
          lastEventId: lastId,
          failures,
        });
      }
      if (controller.signal.aborted) break;
      await sleep(backoffDelay(Math.min(failures + 1, 7), CARD_DELIVERY_BACKOFF), controller.signal);
    }
  })();

  return {
    lastEventId: () => lastId,
    async close() {
      controller.abort();
      await loop.catch(() => undefined);
    },
  };
}

/** Splits a text/event-stream body into messages (comments and retry hints ignored). */
export async function* readEvents(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = "";
  let id: string | undefined;
  let event = "message";
  let data: string[] = [];
  for (;;) {
    const { done, value: chunk } = await reader.read();
    if (done) return;
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.search(/\r?\n/);
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer[newline] === "\r" ? 2 : 1));
      newline = buffer.search(/\r?\n/);
      if (line === "") {
        if (data.length > 0) yield { id, event, data: data.join("\n") };
        event = "message";
        data = [];
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "id") id = value;
      else if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
