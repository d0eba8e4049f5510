import { createHash } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { IdempotencyStore } from "../../db/stores/idempotency-store";
import { problem } from "../problem";
import type { AppEnv } from "../types";

const KEY = /^[\x21-\x7e]{1,255}$/;
const REPLAYED_HEADERS = ["content-type", "location", "preference-applied"];

export interface IdempotencyOptions {
  store: IdempotencyStore;
  ttlMs: number;
  /** Lease of an in-flight claim, renewed while the request runs (default 30 s). */
  leaseMs?: number;
  /** How often expired keys are purged, at most (default once a minute, on a request's way in). */
  purgeEveryMs?: number;
  /** How long a duplicate waits for the first request to finish before answering 409. */
  waitMs?: number;
  pollMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Idempotency-Key: the first request with a key runs; a repeat of the same request (method, path,
 * body) gets the first answer again (JSON or 204), a different request with the key gets 422. Keys are
 * scoped per user and expire after `ttlMs`. Answers of 5xx are not kept, so the caller may retry with
 * the key; a task the failed attempt already created is linked to the key in its own transaction and
 * the retry answers with it (the route reads `idempotency.taskId`). An in-flight claim holds the key
 * for a short lease, renewed while its request runs, so a crashed API process frees it quickly.
 */
export function idempotency(options: IdempotencyOptions): MiddlewareHandler<AppEnv> {
  const waitMs = options.waitMs ?? 5000;
  const pollMs = options.pollMs ?? 25;
  const leaseMs = options.leaseMs ?? 30_000;
  const purgeEveryMs = options.purgeEveryMs ?? 60_000;
  let nextPurge = 0;

  const purgeNowAndThen = () => {
    if (Date.now() < nextPurge) return;
    nextPurge = Date.now() + purgeEveryMs;
    void options.store.purgeExpired().catch(() => undefined);
  };

  const replay = (record: { statusCode: number | null; response: unknown; headers: unknown }) => {
    const headers = new Headers((record.headers as Record<string, string> | null) ?? {});
    headers.set("idempotent-replayed", "true");
    const status = record.statusCode ?? 200;
    if (status === 204 || record.response === null) return new Response(null, { status, headers });
    return new Response(JSON.stringify(record.response), { status, headers });
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
    purgeNowAndThen();
    const deadline = Date.now() + waitMs;
    let linkedTask: string | null = null;
    for (;;) {
      const claim = await options.store.reserve(scoped, fingerprint, { ttlMs: options.ttlMs, leaseMs });
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
      if (claim.state === "reserved") {
        linkedTask = claim.taskId;
        break;
      }
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
    c.set("idempotency", { key: scoped, taskId: linkedTask });
    const renewal = setInterval(
      () => void options.store.renew(scoped, leaseMs).catch(() => undefined),
      Math.max(1000, Math.floor(leaseMs / 3)),
    );
    renewal.unref();
    try {
      await next();
    } catch (error) {
      clearInterval(renewal);
      await options.store.release(scoped);
      throw error;
    }
    clearInterval(renewal);
    const res = c.res;
    const noBody = res.status === 204;
    if (res.status >= 500 || (!noBody && !/json/.test(res.headers.get("content-type") ?? ""))) {
      await options.store.release(scoped);
      return;
    }
    const saved = noBody ? null : ((await res.clone().json()) as Record<string, unknown>);
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = res.headers.get(name);
      if (value) headers[name] = value;
    }
    await options.store.complete(scoped, res.status, saved, headers);
  };
}
