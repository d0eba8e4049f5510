import { describe, expect, it } from "vitest";
import { redisUrl, uniqueSuffix } from "../tests/support/services";
import { openRedis } from "./redis";

describe.skipIf(!redisUrl)("openRedis", () => {
  const url = redisUrl ?? "";

  it("sends the commands of one turn together on request connections only", async () => {
    const key = `cloudops-test:redis:${uniqueSuffix()}`;
    for (const use of ["request", "bullmq", "subscriber"] as const) {
      const redis = openRedis(url, use);
      try {
        await redis.ping();
        const replies = Promise.all([redis.set(key, "1"), redis.incr(key), redis.get(key)]);
        expect(redis.autoPipelineQueueSize).toBe(use === "request" ? 3 : 0);
        expect(await replies).toEqual(["OK", 2, "2"]);
      } finally {
        await redis.del(key);
        await redis.quit();
      }
    }
  });

  it("never pipelines a blocking command (it would hold up the commands behind it)", async () => {
    const key = `cloudops-test:redis:${uniqueSuffix()}`;
    // Should a request connection ever be duplicated for a blocking read, it keeps our options.
    const original = openRedis(url, "request");
    const redis = original.duplicate();
    try {
      await redis.ping();
      const popped = redis.bzpopmin(key, 0.01);
      expect(redis.autoPipelineQueueSize).toBe(0);
      expect(await popped).toBeNull();
    } finally {
      await Promise.all([redis.quit(), original.quit()]);
    }
  });
});
