import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../platform/logger";
import { createRecorder, gate, waitUntil } from "../../../tests/support/queue-recorder";
import { deleteRedisKeys } from "../../../tests/support/redis-keys";
import { redisUrl, uniqueSuffix } from "../../../tests/support/services";
import { createBullmqQueue } from "./bullmq-engine";
import { fifoKeys, headJobId } from "./keys";

describe.skipIf(!redisUrl)("a BullMQ delivery that loses its lock (stalled worker)", () => {
  const prefix = `cloudops-test:${uniqueSuffix()}`;
  afterAll(async () => {
    if (redisUrl) await deleteRedisKeys(redisUrl, prefix);
  });

  it("does not let the entity's next item start before the redelivery of the stalled item ends", async () => {
    const url = redisUrl ?? "";
    const queue = await createBullmqQueue(
      { redisUrl: url, prefix, maxConcurrentSessions: 2, maxMessagesPerSession: 4 },
      silentLogger,
    );
    const redis = new Redis(url);
    try {
      const recorder = createRecorder(5);
      const first = gate();
      const second = gate();
      recorder.behave(async (d) => {
        if (d.taskId === "s1") await (d.deliveryCount === 1 ? first : second).promise;
        return undefined;
      });
      await queue.start(recorder.processor());
      await queue.enqueue({ entityId: "e", taskId: "s1" });
      await queue.enqueue({ entityId: "e", taskId: "s2" });
      await waitUntil(() => recorder.starts().includes("s1"), "s1 runs");
      // As if the worker froze past lockDuration: its lock is gone and BullMQ redelivers the job.
      const seq = await redis.hget(fifoKeys(prefix).seqs, "s1");
      await redis.del(`${prefix}:tasks:${headJobId("e", seq ?? "")}:lock`);
      await waitUntil(() => recorder.starts("e").length === 2, "s1 is redelivered", 25_000);
      // The stalled delivery finishes while the redelivery still runs: the entity must stay blocked.
      first.open();
      await waitUntil(() => recorder.ends("s1").length === 1, "the stalled delivery ends");
      await new Promise((r) => setTimeout(r, 500));
      expect(recorder.starts()).toEqual(["s1", "s1"]);
      second.open();
      await waitUntil(() => recorder.ends().length === 3, "the redelivery and then s2 ran", 25_000);

      const events = recorder.log.map((r) => `${r.event}:${r.taskId}#${r.deliveryCount}`);
      expect(events.indexOf("start:s2#1")).toBeGreaterThan(events.indexOf("end:s1#2"));
      expect(recorder.starts()).toEqual(["s1", "s1", "s2"]);
    } finally {
      await queue.close();
      await redis.quit();
    }
  }, 60_000);
});
