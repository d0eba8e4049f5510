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
}): FixedWindowLimiter {
  const windowMs = options.windowMs ?? 60_000;
  return {
    async hit(subject, now = Date.now()) {
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

export interface FixedWindowLimiter {
  hit(subject: string, now?: number): Promise<RateDecision>;
}

/** Past this many subjects, counters of ended windows are dropped (they can never count again). */
const PRUNE_AT = 10_000;

/**
 * The same limit counted in this process's memory, for the zero-setup start: without REDIS_URL every
 * role runs in one process, so there is nothing to share. Before, the demo counted in ioredis-mock,
 * whose Lua VM ran the script above on every write (about 5% of the bot runtime's CPU under bench:bot).
 */
export function createInProcessFixedWindowLimiter(options: {
  limitPerMinute: number;
  windowMs?: number;
}): FixedWindowLimiter {
  const windowMs = options.windowMs ?? 60_000;
  const counters = new Map<string, { window: number; count: number }>();
  return {
    async hit(subject, now = Date.now()) {
      const window = Math.floor(now / windowMs);
      if (counters.size > PRUNE_AT) {
        for (const [key, counter] of counters) if (counter.window < window) counters.delete(key);
      }
      let counter = counters.get(subject);
      if (!counter || counter.window !== window) {
        counter = { window, count: 0 };
        counters.set(subject, counter);
      }
      counter.count += 1;
      return {
        allowed: counter.count <= options.limitPerMinute,
        limit: options.limitPerMinute,
        remaining: Math.max(0, options.limitPerMinute - counter.count),
        resetSeconds: Math.max(1, Math.ceil(((window + 1) * windowMs - now) / 1000)),
      };
    },
  };
}
