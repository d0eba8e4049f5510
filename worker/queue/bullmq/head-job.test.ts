import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { useRedisSuite } from "../../../tests/support/redis-suite";
import { redisUrl } from "../../../tests/support/services";
import { createFifoStore } from "./fifo-store";
import { HEAD_JOB_NAME, HEAD_JOB_OPTIONS } from "./head-job";
import { fifoKeys, headJobId } from "./keys";

/** The job hash as a reader compares it: stored JSON parsed, the job id left out of the options. */
async function storedJob(redis: Redis, queue: Queue, jobId: string) {
  const hash = await redis.hgetall(queue.toKey(jobId));
  const { jobId: _id, ...opts } = JSON.parse(hash.opts ?? "{}") as Record<string, unknown>;
  return {
    name: hash.name,
    data: JSON.parse(hash.data ?? "null") as unknown,
    opts,
    delay: hash.delay,
    priority: hash.priority,
    optsJobId: _id,
  };
}

describe.skipIf(!redisUrl)("head jobs added by the lane scripts", () => {
  const suite = useRedisSuite(redisUrl ?? "");

  it("are the jobs queue.add makes: same fields, waiting, announced, found by BullMQ", async () => {
    const redis = suite.redis();
    const keys = fifoKeys(suite.nextPrefix());
    const queue = new Queue(keys.queueName, {
      connection: redis,
      prefix: keys.bullPrefix,
      defaultJobOptions: HEAD_JOB_OPTIONS,
    });
    const reference = new Queue("reference", {
      connection: redis,
      prefix: keys.bullPrefix,
      defaultJobOptions: HEAD_JOB_OPTIONS,
    });
    try {
      await redis.set(keys.epoch, "built");
      const fifo = createFifoStore(redis, keys);
      const entityId = "env/a b:c";
      const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
      const head = await fifo.enqueue("t1", entityId, { traceparent });
      expect(head).toMatchObject({ entityId, taskId: "t1" });
      if (typeof head !== "object") throw new Error("t1 did not become head");
      expect(await fifo.enqueue("t2", entityId)).toBe("queued");
      // The scripts build their keys from the lane base as keys.ts names them.
      expect(await redis.lrange(keys.pending(entityId), 0, -1)).toEqual(["t1", "t2"]);
      expect(await redis.get(keys.head(entityId))).toBe("t1");
      expect(await redis.hgetall(keys.seqs)).toEqual({ t1: head.seq, t2: expect.any(String) });
      expect(await redis.smembers(keys.entities)).toEqual([entityId]);
      expect(queue.keys[""]).toBe(keys.jobKeyPrefix);
      const jobId = headJobId(entityId, head.seq);
      const data = { entityId, taskId: "t1", seq: head.seq, traceparent };
      await reference.add(HEAD_JOB_NAME, data, { jobId });

      const ours = await storedJob(redis, queue, jobId);
      expect(ours).toEqual(await storedJob(redis, reference, jobId));
      expect(ours.optsJobId).toBe(jobId);
      expect(await queue.getJobCounts("wait", "active", "delayed")).toEqual({
        wait: 1,
        active: 0,
        delayed: 0,
      });
      expect(await queue.getJobState(jobId)).toBe("waiting");
      expect((await queue.getJob(jobId))?.data).toEqual(data);
      // Workers wake on the marker; listeners read the events stream.
      expect(await redis.exists(queue.keys.marker ?? "")).toBe(1);
      const events = await redis.xrange(queue.keys.events ?? "", "-", "+");
      expect(events.map(([, fields]) => fields.slice(0, 4))).toEqual([
        ["event", "added", "jobId", jobId],
        ["event", "waiting", "jobId", jobId],
      ]);

      // Popping t1 adds t2's job in the same script (no traceparent: its task row has one).
      await queue.remove(jobId);
      const popped = await fifo.popHead(head, null);
      expect(popped).toMatchObject({ popped: true, next: { entityId, taskId: "t2" } });
      const nextSeq = popped.next?.seq ?? "";
      expect((await queue.getJob(headJobId(entityId, nextSeq)))?.data).toEqual({
        entityId,
        taskId: "t2",
        seq: nextSeq,
      });
      expect(await fifo.popHead({ entityId, taskId: "t2", seq: nextSeq }, null)).toEqual({
        popped: true,
        next: null,
      });
    } finally {
      await queue.close();
      await reference.close();
    }
  });

  it("follow queue.add on a paused queue", async () => {
    const redis = suite.redis();
    const keys = fifoKeys(suite.nextPrefix());
    const queue = new Queue(keys.queueName, { connection: redis, prefix: keys.bullPrefix });
    const reference = new Queue("reference", { connection: redis, prefix: keys.bullPrefix });
    try {
      await redis.set(keys.epoch, "built");
      const fifo = createFifoStore(redis, keys);
      await Promise.all([queue.pause(), reference.pause()]);
      const head = await fifo.enqueue("p1", "env/p");
      if (typeof head !== "object") throw new Error("p1 did not become head");
      const jobId = headJobId("env/p", head.seq);
      await reference.add(HEAD_JOB_NAME, { entityId: "env/p", taskId: "p1", seq: head.seq }, { jobId });
      const counts = (q: Queue) => q.getJobCounts("wait", "active", "delayed", "prioritized");
      expect(await counts(queue)).toEqual(await counts(reference));
      expect(await queue.getJobState(jobId)).toBe(await reference.getJobState(jobId));
      expect(await redis.exists(queue.keys.marker ?? "")).toBe(
        await redis.exists(reference.keys.marker ?? ""),
      );
    } finally {
      await queue.close();
      await reference.close();
    }
  });
});
