import { randomBytes } from "node:crypto";
import type { MiddlewareHandler } from "hono";

const INCOMING = /^[A-Za-z0-9._:-]{8,128}$/;

/** Takes a sane incoming X-Request-Id or makes one; every response and log line carries it. */
export function requestId(): MiddlewareHandler {
  return async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const id = incoming && INCOMING.test(incoming) ? incoming : `req_${randomBytes(8).toString("hex")}`;
    c.set("requestId" as never, id as never);
    await next();
    c.header("x-request-id", id);
  };
}
