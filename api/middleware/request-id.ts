import { randomBytes } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { requestId as honoRequestId } from "hono/request-id";

// hono/request-id keeps a sane incoming X-Request-Id (word characters, '-' and '='; 128 at most) or
// makes one, sets c.var.requestId and the response header.
const assign = honoRequestId({
  limitLength: 128,
  generator: () => `req_${randomHex8()}`,
});

// Random bytes drawn 4 KiB at a time: one randomBytes(8) per request was 1% of the CPU of a cheap
// read (`GET /api/tasks/{id}`) in a profile, most of it the call into OpenSSL, not the bytes.
let pool = Buffer.alloc(0);
let offset = 0;
function randomHex8(): string {
  if (offset + 8 > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  offset += 8;
  return pool.toString("hex", offset - 8, offset);
}

/**
 * One request id per request, wherever the middleware is mounted: the process app (compose.ts) sets
 * it first; the API app, mounted inside it (and alone in tests), keeps it instead of minting another,
 * so the header, problem bodies, logs and audit rows all carry the same id.
 */
export function requestId(): MiddlewareHandler {
  return async (c, next) => {
    if (c.get("requestId" as never)) return next();
    return assign(c, next);
  };
}
