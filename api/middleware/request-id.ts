import { randomBytes } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { requestId as honoRequestId } from "hono/request-id";

// hono/request-id keeps a sane incoming X-Request-Id (word characters, '-' and '='; 128 at most) or
// makes one, sets c.var.requestId and the response header.
const assign = honoRequestId({
  limitLength: 128,
  generator: () => `req_${randomBytes(8).toString("hex")}`,
});

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
