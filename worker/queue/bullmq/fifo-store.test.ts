import { Redis } from "ioredis";
import { describe, expect, it, vi } from "vitest";
import { useRedisSuite } from "../../../tests/support/redis-suite";
import { redisUrl } from "../../../tests/support/services";
import { createFifoStore, type HeadRef, MAX_ENQUEUE_BATCH } from "./fifo-store";
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

describe.skipIf(!redisUrl)("a head's task queued once more behind itself", () => {
  const suite = useRedisSuite(redisUrl ?? "");

  it("keeps its place, is refused a third time, and leaves the lane clean whichever entry goes first", async () => {
    const redis = suite.redis();
    const keys = fifoKeys(suite.nextPrefix());
    await redis.set(keys.epoch, "built");
    const fifo = createFifoStore(redis, keys);
    const first = await fifo.enqueue("t1", "env");
    expect(first).toEqual({ entityId: "env", taskId: "t1", seq: "1" });
    expect(await fifo.enqueue("t2", "env")).toBe("queued");
    // t1 is the head (its delivery may be finishing): once more, behind t2; a third time is a duplicate.
    expect(await fifo.enqueue("t1", "env")).toBe("queued");
    expect(await fifo.enqueue("t1", "env")).toBe("duplicate");
    expect(await fifo.enqueue("t3", "env")).toBe("queued");
    expect(await fifo.lanes()).toEqual([{ entityId: "env", taskIds: ["t1", "t2", "t1", "t3"] }]);
    expect(await fifo.positionOf("t1")).toBe(2);
    // The head's references do not change: the mark that a copy waits stays inside the lane.
    expect(await fifo.heads()).toEqual([first]);
    expect(await fifo.headOf("env")).toEqual(first);
    expect(await fifo.isHead(first as HeadRef)).toBe(true);

    // The head pops: t1 stays queued through its copy, and stays a duplicate while that waits.
    const popped = await fifo.popHead(first as HeadRef, null);
    expect(popped).toEqual({ popped: true, next: { entityId: "env", taskId: "t2", seq: "2" } });
    expect(await fifo.has("t1")).toBe(true);
    expect(await fifo.positionOf("t1")).toBe(1);
    expect(await fifo.enqueue("t1", "env")).toBe("duplicate");

    // The copy becomes head; queued again while it runs, the plain entry goes behind it.
    const copy = (await fifo.popHead({ entityId: "env", taskId: "t2", seq: "2" }, null)).next;
    expect(copy).toEqual({ entityId: "env", taskId: "t1|requeued", seq: "3" });
    expect(await fifo.isHead(copy as HeadRef)).toBe(true);
    expect(await fifo.enqueue("t1", "env")).toBe("queued");
    expect(await fifo.lanes()).toEqual([{ entityId: "env", taskIds: ["t1", "t3", "t1"] }]);
    // Removing t1 takes the waiting entry, not the head; then the head alone is left to refuse.
    expect(await fifo.removeWaiting("t1", "env")).toBe("removed");
    expect(await fifo.removeWaiting("t1", "env")).toBe("head");
    expect(await fifo.lanes()).toEqual([{ entityId: "env", taskIds: ["t1", "t3"] }]);

    // The copy pops unmarked: t1 leaves the queue with nothing left of it in Redis.
    const last = await fifo.popHead(copy as HeadRef, null);
    expect(last.next).toEqual({ entityId: "env", taskId: "t3", seq: "4" });
    expect(await fifo.has("t1")).toBe(false);
    expect(await redis.hkeys(keys.seqs)).toEqual(["t3"]);
    expect(await redis.hkeys(keys.items)).toEqual(["t3"]);
  });

  it("removes a waiting copy whose first entry already popped, and all of it", async () => {
    const redis = suite.redis();
    const keys = fifoKeys(suite.nextPrefix());
    await redis.set(keys.epoch, "built");
    const fifo = createFifoStore(redis, keys);
    const head = (await fifo.enqueue("a1", "env")) as HeadRef;
    await fifo.enqueue("b1", "env");
    await fifo.enqueue("a1", "env");
    await fifo.popHead(head, null);
    expect(await fifo.removeWaiting("a1", "env")).toBe("removed");
    expect(await fifo.has("a1")).toBe(false);
    expect(await fifo.lanes()).toEqual([{ entityId: "env", taskIds: ["b1"] }]);
    expect(await redis.hkeys(keys.seqs)).toEqual(["b1"]);
  });
});
