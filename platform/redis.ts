import { Redis, type RedisOptions } from "ioredis";
import RedisMock from "ioredis-mock";

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
  return { real: false, open: () => new RedisMock() as unknown as Redis };
}
