import type { RedisConnection } from "../../platform/redis";

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends (Retry-After when refused). */
  resetSeconds: number;
}

// INCR and the expiry in one atomic step, so concurrent API processes share one counter per window.
const FIXED_WINDOW = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {n, ttl}
`;

/** A fixed one-minute window per user, counted in Redis (real or ioredis-mock). */
export function createRateLimiter(options: {
  redis: () => RedisConnection;
  prefix: string;
  limitPerMinute: number;
  windowMs?: number;
}) {
  const windowMs = options.windowMs ?? 60_000;
  return {
    async hit(userId: string, now = Date.now()): Promise<RateDecision> {
      const window = Math.floor(now / windowMs);
      const key = `${options.prefix}:ratelimit:${userId}:${window}`;
      const raw = (await options.redis().eval(FIXED_WINDOW, 1, key, String(windowMs))) as [number, number];
      const count = Number(raw[0]);
      const ttl = Number(raw[1]);
      const resetMs = ttl > 0 ? ttl : windowMs - (now % windowMs);
      return {
        allowed: count <= options.limitPerMinute,
        limit: options.limitPerMinute,
        remaining: Math.max(0, options.limitPerMinute - count),
        resetSeconds: Math.max(1, Math.ceil(resetMs / 1000)),
      };
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
