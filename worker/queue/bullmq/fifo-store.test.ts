import { Redis } from "ioredis";
import { describe, expect, it, vi } from "vitest";
import { useRedisSuite } from "../../../tests/support/redis-suite";
import { redisUrl } from "../../../tests/support/services";
import { createFifoStore, MAX_ENQUEUE_BATCH } from "./fifo-store";
import { fifoKeys } from "./keys";

/** Script calls (EVALSHA, or EVAL after a script-cache miss) a connection sends while `run` runs. */
async function scriptCalls(redis: Redis, run: () => Promise<unknown>): Promise<number> {
  const spy = vi.spyOn(redis, "sendCommand");
  try {
    await run();
    return spy.mock.calls.filter(([command]) => /^eval(sha)?$/i.test(command.name)).length;
  } finally {
    spy.mockRestore();
  }
}

describe.skipIf(!redisUrl)("enqueues made together", () => {
  const suite = useRedisSuite(redisUrl ?? "");

  it("go as one script per batch, each caller gets its own item's result, lanes keep the call order", async () => {
    const redis = suite.redis();
    const keys = fifoKeys(suite.nextPrefix());
    await redis.set(keys.epoch, "built");
    const fifo = createFifoStore(redis, keys);
    const items = Array.from({ length: 2 * MAX_ENQUEUE_BATCH + 50 }, (_, i) => ({
      taskId: `t${i}`,
      entityId: `env-${i % 3}`,
    }));
    let results: Awaited<ReturnType<typeof fifo.enqueue>>[] = [];
    const calls = await scriptCalls(redis, async () => {
      results = await Promise.all([
        ...items.map((item) => fifo.enqueue(item.taskId, item.entityId)),
        // Already in this very burst: refused like any duplicate.
        fifo.enqueue("t4", "env-1"),
      ]);
    });
    expect(calls).toBe(3);
    // The first item of each entity became its head; the rest queue behind it.
    expect(results.slice(0, 3)).toEqual([
      { entityId: "env-0", taskId: "t0", seq: "1" },
      { entityId: "env-1", taskId: "t1", seq: "2" },
      { entityId: "env-2", taskId: "t2", seq: "3" },
    ]);
    expect(results.slice(3, items.length).every((r) => r === "queued")).toBe(true);
    expect(results.at(-1)).toBe("duplicate");
    for (let e = 0; e < 3; e++) {
      const expected = items.filter((item) => item.entityId === `env-${e}`).map((item) => item.taskId);
      expect(await redis.lrange(keys.pending(`env-${e}`), 0, -1)).toEqual(expected);
    }
    // Seqs follow the call order across batches.
    expect(await redis.hget(keys.seqs, `t${items.length - 1}`)).toBe(String(items.length));
  });

  it("an enqueue alone is one script, as before", async () => {
    const redis = suite.redis();
    const keys = fifoKeys(suite.nextPrefix());
    await redis.set(keys.epoch, "built");
    const fifo = createFifoStore(redis, keys);
    let result: unknown;
    expect(await scriptCalls(redis, async () => (result = await fifo.enqueue("solo", "env")))).toBe(1);
    expect(result).toMatchObject({ taskId: "solo", entityId: "env" });
  });

  it("are deferred together while the lanes are lost, and placed by the rebuild in call order", async () => {
    const redis = suite.redis();
    const keys = fifoKeys(suite.nextPrefix());
    const fifo = createFifoStore(redis, keys);
    const results = await Promise.all(["a", "b", "c"].map((id) => fifo.enqueue(id, "env")));
    expect(results).toEqual(["deferred", "deferred", "deferred"]);
    expect(await fifo.has("a")).toBe(false);
    expect(await fifo.restoreEpoch("rebuilt")).toEqual([{ entityId: "env", taskId: "a", seq: "1" }]);
    expect(await redis.lrange(keys.pending("env"), 0, -1)).toEqual(["a", "b", "c"]);
  });

  it("all fail when their script fails, none hangs", async () => {
    const unreachable = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    try {
      const fifo = createFifoStore(unreachable, fifoKeys(suite.nextPrefix()));
      const outcomes = await Promise.allSettled(["a", "b"].map((id) => fifo.enqueue(id, "env")));
      expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
    } finally {
      unreachable.disconnect();
    }
  });
});
