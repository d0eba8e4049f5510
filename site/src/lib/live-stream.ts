import { readSse, type SseMessage } from "../../../contracts/sse-reader";
import type { ApiClient } from "./api-client";
import { sseMessage } from "./sse-message";

const UPSTREAM_ROUNDS = 5;

export interface Relay {
  /** Turns one upstream API event into zero or more outgoing SSE messages. */
  onMessage(
    message: SseMessage,
    send: (m: { event?: string; id?: string | null; data: string }) => void,
  ): Promise<"continue" | "end">;
  /** Sent once when the upstream cannot be opened or breaks, before the stream closes. */
  onFailure(send: (m: { event?: string; data: string }) => void): void;
}

/**
 * Relays an API JSON event stream to the browser as HTML-fragment messages. Resumes from the
 * browser's Last-Event-ID (or `fallbackLastId` on the first connect); ids are passed through so a
 * reconnect continues exactly where the browser stopped.
 */
export function relayStream(
  request: Request,
  api: ApiClient,
  /** The task whose stream to relay; null for every task's. */
  taskId: string | null,
  fallbackLastId: string | null,
  relay: Relay,
): Response {
  const lastId = request.headers.get("last-event-id") || fallbackLastId;
  const upstreamAbort = new AbortController();
  request.signal?.addEventListener("abort", () => upstreamAbort.abort());
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      let open = true;
      const send = (m: { event?: string; id?: string | null; data: string }) => {
        if (open) controller.enqueue(encoder.encode(sseMessage(m)));
      };
      const close = () => {
        if (!open) return;
        open = false;
        upstreamAbort.abort();
        controller.close();
      };
      // Ask the browser to wait a little before reconnecting; comment lines keep proxies from idling out.
      controller.enqueue(encoder.encode("retry: 1000\n: connected\n\n"));
      try {
        // The API may end its stream early (its `done` can come from a replayed earlier attempt): open
        // it again from the last id seen, a few times, before leaving the reconnect to the browser.
        let resumeFrom = lastId;
        for (let round = 0; round < UPSTREAM_ROUNDS; round++) {
          if (round > 0) await new Promise((r) => setTimeout(r, 200 * round));
          if (upstreamAbort.signal.aborted) return;
          const upstream = await api.openEventStream(taskId, {
            lastEventId: resumeFrom ?? undefined,
            signal: upstreamAbort.signal,
          });
          if (!upstream.ok || !upstream.data.body) {
            if (upstreamAbort.signal.aborted) return close();
            relay.onFailure(send);
            return close();
          }
          for await (const message of readSse(upstream.data.body, { lastEventId: resumeFrom ?? undefined })) {
            if (message.id) resumeFrom = message.id;
            if ((await relay.onMessage(message, send)) === "end") return close();
          }
        }
        // Still not finished: end this response and let htmx reconnect with Last-Event-ID.
        open = false;
        controller.close();
      } catch {
        if (upstreamAbort.signal.aborted) {
          if (open) {
            open = false;
            try {
              controller.close();
            } catch {
              // already closed by the client going away
            }
          }
          return;
        }
        relay.onFailure(send);
        close();
      }
    },
    cancel() {
      upstreamAbort.abort();
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    },
  });
}
