import { Queue } from "bullmq";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../platform/logger";
import { createRecorder, waitUntil } from "../../../tests/support/queue-recorder";
import { useRedisSuite } from "../../../tests/support/redis-suite";
import { redisUrl } from "../../../tests/support/services";
import { createBullmqQueue } from "./bullmq-engine";
import { fifoKeys, headJobId } from "./keys";

describe.skipIf(!redisUrl)("BullMQ engine recovery paths", () => {
  const url = redisUrl ?? "";
  const suite = useRedisSuite(url);

  it("runs a head whose job is missing (BullMQ lost it, or it was removed behind our back)", async () => {
    const redis = suite.redis();
    const prefix = suite.nextPrefix();
    const keys = fifoKeys(prefix);
    // Lanes built (the epoch exists); the head's job, added by the enqueue script, then disappears.
    await redis.set(keys.epoch, "built");
    const queue = await createBullmqQueue(
      { redisUrl: url, prefix, maxConcurrentSessions: 2, maxMessagesPerSession: 4 },
      silentLogger,
    );
    const raw = new Queue(keys.queueName, { connection: redis, prefix: keys.bullPrefix });
    try {
      await queue.enqueue({ entityId: "env/x", taskId: "orphan" });
      const seq = await redis.hget(keys.seqs, "orphan");
      expect(await raw.remove(headJobId("env/x", seq ?? ""))).toBe(1);
      expect(await raw.getJobCounts("wait")).toEqual({ wait: 0 });
      await queue.enqueue({ entityId: "env/x", taskId: "behind" });
      const recorder = createRecorder(5);
      await queue.start(recorder.processor());
      await waitUntil(() => recorder.ends().length === 2, "the sweep re-added the head and both ran");
      expect(recorder.starts()).toEqual(["orphan", "behind"]);
    } finally {
      await raw.close();
      await queue.close();
    }
  });

  it("skips a job whose item is no longer the head (left over from before a crash)", async () => {
    const redis = suite.redis();
    const prefix = suite.nextPrefix();
    const keys = fifoKeys(prefix);
    const queue = await createBullmqQueue(
      { redisUrl: url, prefix, maxConcurrentSessions: 2, maxMessagesPerSession: 4 },
      silentLogger,
    );
    const raw = new Queue(keys.queueName, { connection: redis, prefix: keys.bullPrefix });
    try {
      await queue.enqueue({ entityId: "env/y", taskId: "real" });
      // A job for an item that already finished: not the head, so it must not run.
      await raw.add(
        "task",
        { entityId: "env/y", taskId: "ghost", seq: "0" },
        { jobId: headJobId("env/y", 0) },
      );
      const recorder = createRecorder(5);
      await queue.start(recorder.processor());
      await waitUntil(async () => {
        const counts = await raw.getJobCounts("wait", "active", "delayed", "prioritized");
        return recorder.ends().length === 1 && Object.values(counts).every((c) => c === 0);
      }, "both jobs were processed");
      expect(recorder.starts()).toEqual(["real"]);
    } finally {
      await raw.close();
      await queue.close();
    }
  });
});
