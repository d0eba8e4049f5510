/** Anything with a fetch handler, as a Hono app has. */
export interface FetchHandler {
  fetch(request: Request): Response | Promise<Response>;
}

/**
 * A `fetch` that answers from `app` in this process (ROLE=all: the bot calls the API of its own app),
 * the same HTTP contract with no socket or port. Two differences from a plain `app.fetch(new Request())`:
 * - a string body carries its Content-Length, as it would on the wire: without it the API's body
 *   limit (hono/body-limit) read every in-process POST and PATCH body as a stream into a second Request;
 * - the caller's signal (its timeout) rejects the call with the signal's reason, as fetch does,
 *   but is not handed to the Request, which followed it with one more AbortSignal per call.
 * In bench:bot (20 Teams commands at once, 5 such calls per command) the runtime's CPU per activity
 * fell to 0.94x in two runs; the first reply's p95 moved within the bench's noise (docs/performance.md).
 */
export function inProcessFetch(app: FetchHandler) {
  return (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const { signal, ...rest } = init ?? {};
    if (signal?.aborted) return Promise.reject(signal.reason);
    const answer = Promise.resolve(app.fetch(new Request(input, withContentLength(rest))));
    return signal ? abortable(answer, signal) : answer;
  };
}

function withContentLength(init: RequestInit): RequestInit {
  if (typeof init.body !== "string") return init;
  const headers = new Headers(init.headers);
  headers.set("content-length", String(Buffer.byteLength(init.body)));
  return { ...init, headers };
}

/** The answer, or the signal's reason should it abort first. */
function abortable<T>(answer: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    answer.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
