import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEngine, queueEnginesUnderTest, type TestEngine } from "../support/engine-harness";
import { createScriptedHandlers, stepStarts } from "../support/scripted-handlers";
import { postgresUrl } from "../support/services";

// A retry (API, card button, dead-letter retry) can reach the queue while the delivery of the attempt
// that failed is still finishing: the task row says failed, the queue still holds the item. Until
// 2026-12-05 every engine took that enqueue for a duplicate and the delivery's end then dropped the
// item, so the retried task sat in "queued" until the reconciler published it (30-45 s later).
describe.each(queueEnginesUnderTest())(
  "a retry that lands while the failed delivery finishes, on %s",
  (queueEngine) => {
    let t: TestEngine;
    const script = createScriptedHandlers({ maxAttempts: 1 });
    const retryWhileFinishing = new Set<string>();
    /** The task's status each of those retries saw: it must be the failed row of the finishing attempt. */
    const seen: string[] = [];

    beforeAll(async () => {
      t = await createTestEngine({
        queueEngine,
        dialect: queueEngine === "bullmq" && postgresUrl ? "postgres" : "sqlite",
        // The reconciler must not be what runs the task again.
        engine: { handlers: script.handlers, reconcileIntervalMs: 10 * 60_000 },
        async afterDelivery(delivery) {
          if (!retryWhileFinishing.delete(delivery.taskId)) return;
          seen.push(String((await t.stores.tasks.get(delivery.taskId))?.status));
          await t.engine.tasks.retry(delivery.taskId, { by: "tester" });
        },
      });
      await t.engine.startWorker();
    });
    afterAll(async () => t?.destroy());

    it("runs the retried task at once, behind the task queued before the retry", async () => {
      const entityId = "prod/retried-while-finishing";
      const submit = async (payload: Record<string, unknown> = {}) =>
        (
          await t.engine.tasks.submit({
            type: "k8s.restart",
            entityId,
            payload,
            requestedBy: "tester",
            source: "api",
          })
        ).task;
      // Held at its first step until the task behind it is queued, so the order below is certain.
      const failing = await submit({
        failAt: "rollout restart",
        failTimes: 1,
        failPermanently: true,
        holdAt: "connect",
        holdKey: "retried",
      });
      retryWhileFinishing.add(failing.id);
      const behind = await submit();
      script.release("retried");

      const done = await t.waitForStatus(failing.id, ["succeeded"], 10_000);
      expect(seen).toEqual(["failed"]);
      expect(done.attempts).toBe(2);
      expect((await t.waitForStatus(behind.id, ["succeeded"])).status).toBe("succeeded");
      // The retry went to the back of the line: the task queued before it ran first.
      const runs = await stepStarts(t.stores, [failing.id, behind.id]);
      expect(runs.map((r) => [r.taskId === failing.id ? "retried" : "behind", r.step])).toEqual([
        ["retried", "connect"],
        ["retried", "rollout restart"],
        ["behind", "connect"],
        ["behind", "rollout restart"],
        ["behind", "wait until ready"],
        ["retried", "rollout restart"],
        ["retried", "wait until ready"],
      ]);
      expect(await t.engine.queue.has(failing.id)).toBe(false);
      expect(await t.engine.queue.snapshot()).toEqual([]);
    });
  },
);
