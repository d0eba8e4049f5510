import { readSse, type SseMessage } from "../../../contracts/sse-reader";
import type { ApiClient } from "./api-client";
import { sseMessage } from "./sse-message";

/**
 * Relays the API's all-tasks event stream to the browser. The upstream is opened before the answer's
 * headers go out, so a browser that sees the stream open misses no event written after that; a 503
 * (with Retry-After) says the API refused, and the page retries on its own schedule. Resumes from the
 * browser's Last-Event-ID, else from `fallbackLastId`.
 */
export async function relayEvents(
  request: Request,
  api: ApiClient,
  fallbackLastId: string | null,
  toBrowser: (message: SseMessage) => { id?: string | null; event?: string; data: string } | null,
): Promise<Response> {
  const lastId = request.headers.get("last-event-id") || fallbackLastId;
  const abort = new AbortController();
  request.signal?.addEventListener("abort", () => abort.abort());
  const upstream = await api.openEventStream(null, {
    lastEventId: lastId ?? undefined,
    signal: abort.signal,
  });
  if (!upstream.ok || !upstream.data.body) {
    abort.abort();
    return new Response("The task event stream is not available right now.", {
      status: 503,
      headers: {
        "content-type": "text/plain; charset=utf-8",
        "retry-after": "2",
        "cache-control": "no-store",
      },
    });
  }
  const source = upstream.data.body;
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(encoder.encode(": connected\n\n"));
      try {
        for await (const message of readSse(source, { lastEventId: lastId ?? undefined })) {
          const out = toBrowser(message);
          if (out) controller.enqueue(encoder.encode(sseMessage(out)));
        }
      } catch {
        // The API went away or the browser left: end this response; the page reconnects.
      }
      abort.abort();
      try {
        controller.close();
      } catch {
        // already closed by the browser going away
      }
    },
    cancel() {
      abort.abort();
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
