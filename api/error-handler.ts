import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ConflictError, NotFoundError, StoreError } from "../db/errors";
import { IllegalTransitionError } from "../domain/model/task-status";
import { dependencyOf, isConnectionError } from "../platform/dependency";
import type { Logger } from "../platform/logger";
import { ApiError, problem } from "./problem";

/** Seconds a client should wait before retrying a request that met a dependency outage. */
const RETRY_AFTER_SECONDS = 5;

/** The one onError: typed errors keep their code; anything else is a 500 that reveals nothing. */
export function createErrorHandler(logger: Logger) {
  return (error: Error, c: Context): Response => {
    if (error instanceof ApiError) {
      const res = problem(c, error.status, error.code, error.title, error.detail, error.extra);
      for (const [k, v] of Object.entries(error.headers)) res.headers.set(k, v);
      return res;
    }
    if (isConnectionError(error)) {
      // A dependency is down: say so fast, with when to retry, instead of a 500 (or a hang).
      const dependency = dependencyOf(error);
      logger.warn("dependency unavailable", {
        requestId: c.get("requestId" as never),
        path: c.req.path,
        dependency,
      });
      const res = problem(
        c,
        503,
        "dependency_unavailable",
        "Service temporarily unavailable",
        `${dependency === "redis" ? "Redis" : "The database"} cannot be reached right now; nothing was changed. Retry in a few seconds.`,
        { dependency },
      );
      res.headers.set("retry-after", String(RETRY_AFTER_SECONDS));
      return res;
    }
    if (error instanceof NotFoundError) return problem(c, 404, error.code, "Not found", error.message);
    if (error instanceof IllegalTransitionError) {
      return problem(c, 409, error.code, "Not allowed in the task's current state", error.message);
    }
    if (error instanceof ConflictError) return problem(c, 409, error.code, "Conflict", error.message);
    if (error instanceof StoreError) return problem(c, 400, error.code, "Bad request", error.message);
    if (error instanceof HTTPException) {
      const status = error.status;
      const code =
        status === 413
          ? "payload_too_large"
          : status === 401
            ? "unauthorized"
            : status === 415
              ? "unsupported_media_type"
              : status === 400
                ? "malformed_body"
                : `http_${status}`;
      return problem(c, status, code, error.message || "Request failed");
    }
    logger.error("unhandled API error", { requestId: c.get("requestId" as never), path: c.req.path, error });
    return problem(
      c,
      500,
      "internal_error",
      "Internal server error",
      "Something went wrong on our side; retry, and quote the requestId if it persists.",
    );
  };
}
