import { Redis } from "ioredis";
import RedisMock from "ioredis-mock";
import { describe, expect, it } from "vitest";
import { startPrivateRedis } from "../tests/support/private-redis";
import { redisUrl, uniqueSuffix } from "../tests/support/services";
import { defineScripts } from "./redis-scripts";

const COUNTER = { lua: "local n = redis.call('INCRBY', KEYS[1], ARGV[1]) return n", numberOfKeys: 1 };

const connections: [string, () => Redis, boolean][] = [
  ["ioredis-mock", () => new RedisMock() as unknown as Redis, false],
];
if (redisUrl) connections.push(["real Redis", () => new Redis(redisUrl as string), true]);

describe.each(connections)("defineScripts on %s", (_name, open, real) => {
  it("runs a registered script with its keys and arguments, also after Redis forgot its scripts", async () => {
    // SCRIPT FLUSH empties the script cache of every client of a server: on a redis-server of this
    // test's own, not on the Redis the machine's other runs share.
    const own = real ? await startPrivateRedis() : null;
    const redis = own ? new Redis(own.url) : open();
    const key = `cloudops-test:scripts:${uniqueSuffix()}`;
    try {
      const run = defineScripts(redis, "test", { counter: COUNTER });
      expect(await run("counter", [key], [2])).toBe(2);
      // Registering again on the same connection is harmless and shares the command.
      const again = defineScripts(redis, "test", { counter: COUNTER });
      if (own) expect(await redis.script("FLUSH")).toBe("OK");
      expect(await again("counter", [key], [3])).toBe(5);
    } finally {
      await redis.del(key);
      redis.disconnect();
      await own?.destroy();
    }
  });

  it("refuses a call with the wrong number of keys before it reaches Redis", async () => {
    const redis = open();
    try {
      const run = defineScripts(redis, "test", { counter: COUNTER });
      expect(() => run("counter", ["a", "b"], [1])).toThrow(/takes 1 keys, not 2/);
    } finally {
      redis.disconnect();
    }
  });
});
