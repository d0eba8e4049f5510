import { Redis } from "ioredis";
import RedisMock from "ioredis-mock";

/**
 * Opens Redis connections for the Redis-shaped needs outside BullMQ (event pub/sub, rate limits,
 * cache). With no REDIS_URL the demo uses ioredis-mock, so the code path is the same in both.
 */
export type RedisConnection = Redis;

export interface RedisFactory {
  readonly real: boolean;
  /** A new connection; subscribers need their own. */
  open(): RedisConnection;
}

export function createRedisFactory(redisUrl: string | undefined): RedisFactory {
  if (redisUrl) {
    return {
      real: true,
      open: () => new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: false }),
    };
  }
  return { real: false, open: () => new RedisMock() as unknown as Redis };
}
