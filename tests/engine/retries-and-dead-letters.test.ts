import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskType } from "../../domain/model/task-types";
import { createTestEngine, queueEnginesUnderTest, type TestEngine } from "../support/engine-harness";
import { createScriptedHandlers, stepStarts } from "../support/scripted-handlers";
import { postgresUrl } from "../support/services";

describe.each(queueEnginesUnderTest())(
  "retries and dead letters through the task engine on %s",
  (queueEngine) => {
    let t: TestEngine;
    const script = createScriptedHandlers({ maxAttempts: 3 });
    let entity = 0;
    const nextEntity = () => `prod/app-${++entity}`;

    beforeAll(async () => {
      t = await createTestEngine({
        queueEngine,
        // BullMQ is the production pairing: run it on PostgreSQL when there is one.
        dialect: queueEngine === "bullmq" && postgresUrl ? "postgres" : "sqlite",
        engine: { handlers: script.handlers },
      });
      await t.engine.startWorker();
    });
    afterAll(async () => t?.destroy());

    const stepsRun = async (taskId: string) => (await stepStarts(t.stores, [taskId])).map((s) => s.step);

    // The runner marks the task failed, then writes its dead letter: wait for both.
    const deadLetterOf = async (taskId: string) => {
      await t.waitForStatus(taskId, ["failed"]);
      for (let i = 0; i < 500; i++) {
        const letter = await t.stores.deadLetters.openForTask(taskId);
        if (letter) return letter;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`No dead letter for ${taskId}`);
    };

    const submit = async (
      entityId: string,
      payload: Record<string, unknown> = {},
      type: TaskType = "k8s.restart",
    ) =>
      (await t.engine.tasks.submit({ type, entityId, payload, requestedBy: "tester", source: "api" })).task;

    it("retries a failing step with backoff, without re-running the steps that succeeded", async () => {
      const task = await submit(nextEntity(), { failAt: "rollout restart", failTimes: 2 });
      const done = await t.waitForStatus(task.id, ["succeeded", "failed"]);
      expect(done).toMatchObject({ status: "succeeded", attempts: 3 });
      expect(await stepsRun(task.id)).toEqual([
        "connect",
        "rollout restart",
        "rollout restart",
        "rollout restart",
        "wait until ready",
      ]);
      const logs = (await t.stores.taskEvents.logs(task.id)).map((l) => l.message);
      expect(logs.filter((m) => /failed: Injected failure.*Retrying in/.test(m))).toHaveLength(2);
    });

    it("keeps the entity's next task waiting while a task waits for its retry", async () => {
      const entityId = nextEntity();
      const first = await submit(entityId, { failAt: "connect", failTimes: 2 });
      const second = await submit(entityId);
      await t.waitForStatus(second.id, ["succeeded", "failed"]);
      const runs = await stepStarts(t.stores, [first.id, second.id]);
      expect(runs.map((r) => [r.taskId === first.id ? "first" : "second", r.step])).toEqual([
        ["first", "connect"],
        ["first", "connect"],
        ["first", "connect"],
        ["first", "rollout restart"],
        ["first", "wait until ready"],
        ["second", "connect"],
        ["second", "rollout restart"],
        ["second", "wait until ready"],
      ]);
      expect((await t.stores.tasks.get(first.id))?.attempts).toBe(3);
    });

    it("skips the remaining attempts on a permanent error", async () => {
      const task = await submit(nextEntity(), { failAt: "rollout restart", failPermanently: true });
      const failed = await t.waitForStatus(task.id, ["failed", "succeeded"]);
      expect(failed).toMatchObject({ status: "failed", attempts: 1, error: { code: "injected_failure" } });
      expect(await deadLetterOf(task.id)).toMatchObject({
        reason: "permanent_error",
        attempts: 1,
      });
    });

    it("after the last attempt fails the task, writes a dead letter, and runs the entity's next task", async () => {
      const entityId = nextEntity();
      const doomed = await submit(entityId, { failAt: "wait until ready" });
      const next = await submit(entityId);
      expect((await t.waitForStatus(next.id, ["succeeded", "failed"])).status).toBe("succeeded");
      const failed = await t.waitForStatus(doomed.id, ["failed"]);
      expect(failed.attempts).toBe(3);
      expect(await deadLetterOf(doomed.id)).toMatchObject({
        taskId: doomed.id,
        entityId,
        reason: "attempts_exhausted",
        attempts: 3,
        lastError: 'Injected failure at step "wait until ready" (attempt 3)',
        status: "open",
      });
      const runs = await stepStarts(t.stores, [doomed.id, next.id]);
      // Three attempts of the doomed task (each resumes at its failing step), then the next task.
      expect(runs.map((r) => (r.taskId === doomed.id ? `doomed:${r.step}` : `next:${r.step}`))).toEqual([
        "doomed:connect",
        "doomed:rollout restart",
        "doomed:wait until ready",
        "doomed:wait until ready",
        "doomed:wait until ready",
        "next:connect",
        "next:rollout restart",
        "next:wait until ready",
      ]);
    });

    it("re-queues a retried dead letter at the back of its entity and records who retried it", async () => {
      const entityId = nextEntity();
      const failing = await submit(entityId, { failAt: "connect", failTimes: 1, failPermanently: true });
      const letter = await deadLetterOf(failing.id);
      const blocker = await submit(entityId, { holdAt: "connect", holdKey: "dlq-blocker" });
      const waiting = await submit(entityId);
      await t.waitForStatus(blocker.id, ["running"]);

      const { letter: resolved, task } = await t.engine.tasks.retryDeadLetter(letter.id, "alice");
      expect(resolved).toMatchObject({ status: "retried", resolvedBy: "alice" });
      expect(task.status).toBe("queued");
      expect(await t.engine.tasks.positionOf(failing.id)).toBe(2);
      script.release("dlq-blocker");

      expect((await t.waitForStatus(failing.id, ["succeeded", "failed"])).status).toBe("succeeded");
      const runs = await stepStarts(t.stores, [failing.id, blocker.id, waiting.id]);
      expect(runs.filter((r) => r.step === "connect").map((r) => r.taskId)).toEqual([
        failing.id,
        blocker.id,
        waiting.id,
        failing.id,
      ]);
      const statuses = (await t.stores.taskEvents.listForTask(failing.id))
        .map((e) => e.data)
        .flatMap((d) => (d.kind === "status" ? [d.status] : []));
      expect(statuses).toEqual(["queued", "running", "failed", "queued", "running", "succeeded"]);
    });

    it("marks a skipped dead letter resolved and leaves the task failed", async () => {
      const task = await submit(nextEntity(), { failAt: "connect", failPermanently: true });
      const letter = await deadLetterOf(task.id);
      const skipped = await t.engine.tasks.skipDeadLetter(letter.id, "bob");
      expect(skipped).toMatchObject({ status: "skipped", resolvedBy: "bob" });
      expect(await t.stores.deadLetters.openForTask(task.id)).toBeNull();
      expect((await t.stores.tasks.get(task.id))?.status).toBe("failed");
      expect(await t.engine.queue.has(task.id)).toBe(false);
    });

    it("resumes a retried task at the first step that did not succeed; fromScratch re-runs every step", async () => {
      const resumed = await submit(nextEntity(), {
        failAt: "wait until ready",
        failTimes: 1,
        failPermanently: true,
      });
      const scratch = await submit(nextEntity(), {
        failAt: "wait until ready",
        failTimes: 1,
        failPermanently: true,
      });
      await t.waitForStatus(resumed.id, ["failed"]);
      await t.waitForStatus(scratch.id, ["failed"]);

      await t.engine.tasks.retry(resumed.id);
      await t.engine.tasks.retry(scratch.id, { fromScratch: true });
      expect((await t.waitForStatus(resumed.id, ["succeeded", "failed"])).status).toBe("succeeded");
      expect((await t.waitForStatus(scratch.id, ["succeeded", "failed"])).status).toBe("succeeded");

      const firstRun = ["connect", "rollout restart", "wait until ready"];
      expect(await stepsRun(resumed.id)).toEqual([...firstRun, "wait until ready"]);
      expect(await stepsRun(scratch.id)).toEqual([...firstRun, ...firstRun]);
      const steps = await t.stores.tasks.steps(resumed.id);
      expect(steps.map((s) => s.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    });
  },
);
