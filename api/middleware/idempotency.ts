import { createHash } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { IdempotencyStore } from "../../db/stores/idempotency-store";
import { problem } from "../problem";
import type { AppEnv } from "../types";

const KEY = /^[\x21-\x7e]{1,255}$/;
const REPLAYED_HEADERS = ["content-type", "location"];

export interface IdempotencyOptions {
  store: IdempotencyStore;
  ttlMs: number;
  /** How long a duplicate waits for the first request to finish before answering 409. */
  waitMs?: number;
  pollMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Idempotency-Key: the first request with a key runs; a repeat of the same request (method, path,
 * body) gets the first answer again, a different request with the key gets 422. Keys are scoped per
 * user and expire after `ttlMs`. Answers of 5xx are not kept, so the caller may retry with the key.
 */
export function idempotency(options: IdempotencyOptions): MiddlewareHandler<AppEnv> {
  const waitMs = options.waitMs ?? 5000;
  const pollMs = options.pollMs ?? 25;

  const replay = (record: { statusCode: number | null; response: unknown; headers: unknown }) => {
    const headers = new Headers((record.headers as Record<string, string> | null) ?? {});
    headers.set("idempotent-replayed", "true");
    return new Response(JSON.stringify(record.response ?? {}), { status: record.statusCode ?? 200, headers });
  };

  return async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (key === undefined) return next();
    if (!KEY.test(key)) {
      return problem(
        c,
        400,
        "invalid_idempotency_key",
        "Invalid Idempotency-Key",
        "Use 1-255 visible ASCII characters",
      );
    }
    const body = await c.req.text();
    const fingerprint = createHash("sha256")
      .update(`${c.req.method}\n${c.req.path}\n`)
      .update(body)
      .digest("hex");
    const scoped = `${createHash("sha256").update(c.get("user").id).digest("hex").slice(0, 16)}:${key}`;
    const deadline = Date.now() + waitMs;
    for (;;) {
      const claim = await options.store.reserve(scoped, fingerprint, options.ttlMs);
      if (claim.state === "mismatch") {
        return problem(
          c,
          422,
          "idempotency_key_reused",
          "Idempotency-Key already used",
          "This key was used for a different request; use a new key for a new request",
        );
      }
      if (claim.state === "completed") return replay(claim.record);
      if (claim.state === "reserved") break;
      if (Date.now() > deadline) {
        const res = problem(
          c,
          409,
          "idempotency_key_in_flight",
          "Request still in progress",
          "A request with this Idempotency-Key is still running; retry shortly",
        );
        res.headers.set("retry-after", "1");
        return res;
      }
      await sleep(pollMs);
    }
    try {
      await next();
    } catch (error) {
      await options.store.release(scoped);
      throw error;
    }
    const res = c.res;
    if (res.status >= 500 || !/json/.test(res.headers.get("content-type") ?? "")) {
      await options.store.release(scoped);
      return;
    }
    const saved = (await res.clone().json()) as Record<string, unknown>;
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = res.headers.get(name);
      if (value) headers[name] = value;
    }
    await options.store.complete(scoped, res.status, saved, headers);
  };
}
