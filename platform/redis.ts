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

/**
 * Auto-pipelining on request connections: commands issued in the same event-loop turn (a burst of
 * submissions, a request's reads) go out in one write and Redis reads them in one go, instead of one
 * socket write per command. Not on BullMQ's connections: ioredis builds a Pipeline per batch that
 * copies every script defined on the connection (BullMQ defines about 70), and it keeps one batch in
 * flight per connection, which lines the Worker's concurrent jobs up behind each other; measured on
 * bench:queue that cost a third of the FIFO engine's throughput (0.45x raw BullMQ with it, 0.71x
 * without, same run) and more Node CPU per job. A blocking command would hold up every command
 * pipelined behind it, so those never join a pipeline (should a request connection ever block).
 */
const AUTO_PIPELINING: RedisOptions = {
  enableAutoPipelining: true,
  autoPipeliningIgnoredCommands: [
    "blpop",
    "brpop",
    "brpoplpush",
    "blmove",
    "blmpop",
    "bzpopmin",
    "bzpopmax",
    "bzmpop",
    "xread",
    "xreadgroup",
    "wait",
    "waitaof",
  ],
};

const OPTIONS: Record<RedisUse, RedisOptions> = {
  request: { maxRetriesPerRequest: 1, commandTimeout: 2000, connectTimeout: 2000, ...AUTO_PIPELINING },
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
