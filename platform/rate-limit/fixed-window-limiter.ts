import type { RedisConnection } from "../redis";
import { defineScripts } from "../redis-scripts";

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

/**
 * At most `limitPerMinute` hits per key in a fixed window (a minute unless `windowMs`), counted in
 * Redis (real or ioredis-mock) so every process shares one counter per key and window.
 */
export function createFixedWindowLimiter(options: {
  redis: () => RedisConnection;
  prefix: string;
  limitPerMinute: number;
  windowMs?: number;
}) {
  const windowMs = options.windowMs ?? 60_000;
  return {
    async hit(subject: string, now = Date.now()): Promise<RateDecision> {
      const window = Math.floor(now / windowMs);
      const key = `${options.prefix}:ratelimit:${subject}:${window}`;
      const run = defineScripts(options.redis(), "cloudopsRateLimit", {
        fixedWindow: { lua: FIXED_WINDOW, numberOfKeys: 1 },
      });
      const raw = (await run("fixedWindow", [key], [String(windowMs)])) as [number, number];
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

export type FixedWindowLimiter = ReturnType<typeof createFixedWindowLimiter>;
