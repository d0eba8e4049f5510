import { readSse, type SseMessage } from "../../contracts/sse-reader";
import { backoffDelay } from "../../platform/backoff";
import type { Logger } from "../../platform/logger";
import { CARD_DELIVERY_BACKOFF } from "./coalescer";

export type { SseMessage };

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
        const reader = readSse(response.body, { lastEventId: lastId });
        // Aborting the request does not end an in-process stream; cancelling the reader does.
        const cancel = () => void reader.cancel();
        controller.signal.addEventListener("abort", cancel, { once: true });
        try {
          for await (const message of reader) {
            lastId = message.id;
            try {
              options.onMessage(message);
            } catch (error) {
              options.logger.error("event handler failed", { error });
            }
          }
        } finally {
          // One listener per connection would pile up over a long life of reconnects.
          controller.signal.removeEventListener("abort", cancel);
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

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    signal.addEventListener("abort", wake, { once: true });
  });
}
