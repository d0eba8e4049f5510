import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { problem } from "../problem";

const WITH_BODY = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const JSON_TYPE = /^application\/([\w.+-]*\+)?json\s*(;|$)/i;

/** 413 beyond `maxBytes` (declared or streamed), 415 for a body that is not JSON. */
export function bodyGuard(maxBytes: number): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: (c) =>
      problem(
        c,
        413,
        "payload_too_large",
        "Request body too large",
        `Bodies may be at most ${maxBytes} bytes`,
      ),
  });
  return async (c, next) => {
    if (!WITH_BODY.has(c.req.method)) return next();
    const length = c.req.header("content-length");
    const hasBody =
      (length !== undefined && length !== "0") || c.req.header("transfer-encoding") !== undefined;
    const type = c.req.header("content-type");
    if (hasBody && !(type && JSON_TYPE.test(type))) {
      return problem(
        c,
        415,
        "unsupported_media_type",
        "Unsupported media type",
        "Send the body as application/json",
      );
    }
    if (length === "0" && type) {
      // Many clients label an empty POST as JSON; treat it as no body, so an optional body defaults.
      const headers = new Headers(c.req.raw.headers);
      headers.delete("content-type");
      c.req.raw = new Request(c.req.raw.url, { method: c.req.method, headers, signal: c.req.raw.signal });
    }
    return limit(c, next);
  };
}
