import type { MiddlewareHandler } from "hono";
import type { FixedWindowLimiter } from "../../platform/rate-limit/fixed-window-limiter";
import { problem } from "../problem";
import type { AppEnv } from "../types";

/** Refuses a user's mutating requests beyond the per-minute budget with 429 and Retry-After. */
export function limitWritesPerUser(limiter: FixedWindowLimiter): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const decision = await limiter.hit(c.get("user").id);
    c.header("ratelimit-limit", String(decision.limit));
    c.header("ratelimit-remaining", String(decision.remaining));
    c.header("ratelimit-reset", String(decision.resetSeconds));
    if (!decision.allowed) {
      const res = problem(
        c,
        429,
        "rate_limited",
        "Too many requests",
        `At most ${decision.limit} changes per minute per user; try again in ${decision.resetSeconds} s`,
      );
      res.headers.set("retry-after", String(decision.resetSeconds));
      return res;
    }
    await next();
  };
}
