/** What one delivery attempt to a route came to. Reasons are safe to store and show: no URLs, no keys. */
export type SendResult =
  | { ok: true }
  | { ok: false; retryable: boolean; reason: string; retryAfterMs?: number };

export const delivered: SendResult = { ok: true };

/** `Retry-After` as milliseconds: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** An HTTP status as a failed attempt: throttling and server errors are worth retrying, the rest not. */
export function failureFor(status: number, what: string, retryAfterMs?: number): SendResult {
  if (status === 429)
    return { ok: false, retryable: true, reason: `${what} throttled the request (HTTP 429)`, retryAfterMs };
  const retryable = status >= 500 || status === 408;
  return { ok: false, retryable, reason: `${what} answered HTTP ${status}` };
}

/** A network error as a failed attempt, by its code only (messages can carry addresses). */
export function networkFailure(error: unknown, what: string): SendResult {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  const code = (error as { code?: unknown } | null)?.code ?? cause?.code;
  const name = error instanceof Error && error.name === "TimeoutError" ? "timeout" : undefined;
  const detail = typeof code === "string" ? code : (name ?? "network error");
  return { ok: false, retryable: true, reason: `${what} could not be reached (${detail})` };
}
