import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { deleteRedisKeys } from "./redis-keys";
import { uniqueSuffix } from "./services";

/**
 * The set-up of a suite on the real Redis (call inside its `describe`): one connection for the suite,
 * a unique key prefix per test (`nextPrefix()`), and every key under the suite's prefix deleted after.
 */
export function useRedisSuite(redisUrl: string): { redis: () => Redis; nextPrefix: () => string } {
  const suitePrefix = `cloudops-test:${uniqueSuffix()}`;
  let connection: Redis | null = null;
  let n = 0;
  beforeAll(() => {
    connection = new Redis(redisUrl);
  });
  afterAll(async () => {
    await deleteRedisKeys(redisUrl, suitePrefix);
    await connection?.quit();
  });
  return {
    redis: () => {
      if (!connection) throw new Error("the suite's Redis connection opens in beforeAll");
      return connection;
    },
    nextPrefix: () => `${suitePrefix}:${++n}`,
  };
}
