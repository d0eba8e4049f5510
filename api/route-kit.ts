import type { MiddlewareHandler } from "hono";
import {
  createFixedWindowLimiter,
  createInProcessFixedWindowLimiter,
} from "../platform/rate-limit/fixed-window-limiter";
import type { RedisConnection } from "../platform/redis";
import { audit } from "./middleware/audit";
import { idempotency } from "./middleware/idempotency";
import { limitWritesPerUser } from "./middleware/limit-writes-per-user";
import { requireRole } from "./middleware/require-role";
import type { ApiDeps, AppEnv, Role } from "./types";

/** What every route module gets: the deps and the guards for reads and for changes. */
export interface RouteKit {
  deps: ApiDeps;
  /** Role check only. */
  read(role: Role): MiddlewareHandler<AppEnv>[];
  /** Audit row, role check, per-user rate limit and Idempotency-Key, in that order. */
  mutate(role: Role, action: string): MiddlewareHandler<AppEnv>[];
  close(): Promise<void>;
}

/** Several middleware as one, for plain Hono routes whose typings take a fixed number of handlers. */
export function chain(middleware: MiddlewareHandler<AppEnv>[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const run = async (i: number): Promise<void> => {
      const current = middleware[i];
      if (!current) return next();
      const res = await current(c, () => run(i + 1));
      if (res instanceof Response) c.res = res;
    };
    await run(0);
  };
}

export function createRouteKit(deps: ApiDeps): RouteKit {
  let redis: RedisConnection | null = null;
  const connection = () => {
    redis ??= deps.redis.open("request");
    return redis;
  };
  // Shared through Redis when there is one; without it every role is in this process.
  const limiter = deps.redis.real
    ? createFixedWindowLimiter({
        redis: connection,
        prefix: deps.config.redisPrefix,
        limitPerMinute: deps.config.api.rateLimitPerMinute,
      })
    : createInProcessFixedWindowLimiter({ limitPerMinute: deps.config.api.rateLimitPerMinute });
  const limit = limitWritesPerUser(limiter);
  const idem = idempotency({ store: deps.stores.idempotency, ttlMs: deps.config.api.idempotencyTtlMs });
  return {
    deps,
    read: (role) => [requireRole(role)],
    mutate: (role, action) => [audit(deps.stores.audit, action, deps.logger), requireRole(role), limit, idem],
    async close() {
      await redis?.quit().catch(() => undefined);
      redis = null;
    },
  };
}
