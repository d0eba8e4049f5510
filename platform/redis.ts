import { createRequire } from "node:module";
import { Redis, type RedisOptions } from "ioredis";

export type RedisConnection = Redis;

/**
 * What a connection is for, which decides how it behaves while Redis is unreachable:
 * - `request`: commands on an HTTP request's path give up after 2 s (one retry), so a request can
 *   answer 503 instead of hanging until Redis returns;
 * - `subscriber`: pub/sub; reconnects forever and ioredis re-subscribes its channels;
 * - `bullmq`: what BullMQ requires of its connections (no per-command retry limit: blocking commands
 *   wait across reconnects).
 */
export type RedisUse = "request" | "subscriber" | "bullmq";

const OPTIONS: Record<RedisUse, RedisOptions> = {
  request: { maxRetriesPerRequest: 1, commandTimeout: 2000, connectTimeout: 2000 },
  subscriber: { maxRetriesPerRequest: null },
  bullmq: { maxRetriesPerRequest: null },
};

/** A new connection to `redisUrl` with the options its use needs (the one place connections are made). */
export function openRedis(redisUrl: string, use: RedisUse): RedisConnection {
  return new Redis(redisUrl, { ...OPTIONS[use], lazyConnect: false });
}

/**
 * Opens Redis connections for the Redis-shaped needs outside BullMQ (event pub/sub, rate limits,
 * cache). With no REDIS_URL the demo uses ioredis-mock, so the code path is the same in both.
 */
export interface RedisFactory {
  readonly real: boolean;
  /** A new connection; subscribers need their own. */
  open(use: RedisUse): RedisConnection;
}

export function createRedisFactory(redisUrl: string | undefined): RedisFactory {
  if (redisUrl) return { real: true, open: (use) => openRedis(redisUrl, use) };
  // ioredis-mock (with the Lua VM it carries) is required on the first connection, not at start.
  const load = () => createRequire(import.meta.url)("ioredis-mock") as new () => Redis;
  let RedisMock: (new () => Redis) | null = null;
  return {
    real: false,
    open: () => {
      RedisMock ??= load();
      return new RedisMock();
    },
  };
}
