import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEngine, queueEnginesUnderTest, type TestEngine } from "../support/engine-harness";
import { waitFor } from "../support/scaled-out";
import { createScriptedHandlers, stepStarts } from "../support/scripted-handlers";
import { postgresUrl } from "../support/services";

describe.each(queueEnginesUnderTest())(
  "cancel and the reconciler through the task engine on %s",
  (queueEngine) => {
    let t: TestEngine;
    const script = createScriptedHandlers();
    let entity = 0;
    const nextEntity = () => `db/instance-${++entity}`;

    beforeAll(async () => {
      t = await createTestEngine({
        queueEngine,
        dialect: queueEngine === "bullmq" && postgresUrl ? "postgres" : "sqlite",
        engine: { handlers: script.handlers },
      });
      await t.engine.startWorker();
    });
    afterAll(async () => t?.destroy());

    const submit = async (entityId: string, payload: Record<string, unknown> = {}) =>
      (
        await t.engine.tasks.submit({
          type: "db.backup",
          entityId,
          payload,
          requestedBy: "tester",
          source: "api",
        })
      ).task;

    const taskOrder = async (ids: string[]) =>
      (await stepStarts(t.stores, ids)).filter((s) => s.step === "prepare").map((s) => ids.indexOf(s.taskId));

    it("cancels a queued task at once without disturbing the order of the others", async () => {
      const entityId = nextEntity();
      const running = await submit(entityId, { holdAt: "prepare", holdKey: "cancel-queued" });
      const a = await submit(entityId);
      const b = await submit(entityId);
      const c = await submit(entityId);
      await t.waitForStatus(running.id, ["running"]);

      const { task, outcome } = await t.engine.tasks.cancel(b.id);
      expect(outcome).toBe("cancelled");
      expect(task.status).toBe("cancelled");
      expect(await t.engine.queue.has(b.id)).toBe(false);
      expect(await t.engine.tasks.positionOf(c.id)).toBe(2);

      script.release("cancel-queued");
      await t.waitForStatus(c.id, ["succeeded"]);
      expect((await t.stores.tasks.get(a.id))?.status).toBe("succeeded");
      expect((await t.stores.tasks.get(b.id))?.status).toBe("cancelled");
      expect(await taskOrder([running.id, a.id, b.id, c.id])).toEqual([0, 1, 3]);
    });

    const waitForStep = async (taskId: string, step: string) => {
      for (let i = 0; i < 1000; i++) {
        if ((await stepStarts(t.stores, [taskId])).some((s) => s.step === step)) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`step ${step} of ${taskId} never started`);
    };

    // An approval wakes its parked delivery with an abort; if the delivery's own recheck has just
    // started the approved run, that abort reaches a running task that nobody asked to cancel.
    it("hands a running task back, not cancelled, when an abort comes without a cancel request", async () => {
      const entityId = nextEntity();
      const running = await submit(entityId, { holdAt: "prepare", holdKey: "wake-running" });
      await waitForStep(running.id, "prepare");
      await t.engine.queue.abort(running.id);
      const logs = async () => (await t.stores.taskEvents.logs(running.id)).map((l) => l.message).join("\n");
      // The abort has been handled once the delivery wrote its answer (or the task ended).
      await waitFor("the abort to be handled", 15_000, async () => {
        const status = (await t.stores.tasks.get(running.id))?.status;
        return /Woken while running/.test(await logs()) || status !== "running";
      });
      script.release("wake-running");
      const done = await t.waitForStatus(running.id, ["cancelled", "succeeded", "failed"]);
      expect(done.status).toBe("succeeded");
      expect(await logs()).toMatch(/Woken while running/);
    });

    it("ends cancelled, not succeeded, when the abort signal is lost: the next step boundary reads the flag", async () => {
      const entityId = nextEntity();
      const running = await submit(entityId, {
        holdAt: "prepare",
        holdKey: "lost-signal-boundary",
        holdWithoutCheckpoint: true,
      });
      await waitForStep(running.id, "prepare");
      // Only the database hears the cancel (what a lost pub/sub message or another process leaves).
      expect(await t.stores.tasks.requestCancel(running.id)).toBe(true);
      script.release("lost-signal-boundary");
      const done = await t.waitForStatus(running.id, ["cancelled", "succeeded", "failed"]);
      expect(done.status).toBe("cancelled");
      const steps = await t.stores.tasks.steps(running.id);
      expect(steps.map((s) => s.status)).toEqual(["cancelled", "pending"]);
      expect((await stepStarts(t.stores, [running.id])).map((s) => s.step)).toEqual(["prepare"]);
    });

    it("ends cancelled, not succeeded, when only the database hears a cancel during the last step", async () => {
      // The last step's success is recorded with the final move, which must refuse a cancelled task.
      const entityId = nextEntity();
      const running = await submit(entityId, {
        holdAt: "stream to storage",
        holdKey: "lost-signal-last-step",
        holdWithoutCheckpoint: true,
      });
      await waitForStep(running.id, "stream to storage");
      expect(await t.stores.tasks.requestCancel(running.id)).toBe(true);
      script.release("lost-signal-last-step");
      const done = await t.waitForStatus(running.id, ["cancelled", "succeeded", "failed"]);
      expect(done.status).toBe("cancelled");
      expect((await t.stores.tasks.steps(running.id)).map((s) => [s.name, s.status])).toEqual([
        ["prepare", "succeeded"],
        ["stream to storage", "cancelled"],
      ]);
      const events = await t.stores.taskEvents.listForTask(running.id);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(events.flatMap((e) => (e.data.kind === "status" ? [e.data.status] : []))).toEqual([
        "queued",
        "running",
        "cancelled",
      ]);
    });

    it("records a task's steps and status events in order, each step started and ended once", async () => {
      const entityId = nextEntity();
      const task = await submit(entityId);
      await t.waitForStatus(task.id, ["succeeded"]);
      const events = await t.stores.taskEvents.listForTask(task.id);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      const story = events.flatMap(({ data }) => {
        if (data.kind === "status") return [data.status];
        return data.kind === "step" ? [`${data.name} ${data.status}`] : [];
      });
      expect(story).toEqual([
        "queued",
        "running",
        "prepare running",
        "prepare succeeded",
        "stream to storage running",
        "stream to storage succeeded",
        "succeeded",
      ]);
      const steps = await t.stores.tasks.steps(task.id);
      expect(steps.map((s) => [s.status, s.percent, s.startedAt !== null, s.finishedAt !== null])).toEqual([
        ["succeeded", 100, true, true],
        ["succeeded", 100, true, true],
      ]);
    });

    it("stops inside a step at its checkpoint when only the database says cancel", async () => {
      const entityId = nextEntity();
      const running = await submit(entityId, { holdAt: "stream to storage", holdKey: "never-released-2" });
      await waitForStep(running.id, "stream to storage");
      expect(await t.stores.tasks.requestCancel(running.id)).toBe(true);
      const done = await t.waitForStatus(running.id, ["cancelled", "succeeded", "failed"]);
      expect(done.status).toBe("cancelled");
      expect((await t.stores.tasks.steps(running.id)).map((s) => [s.name, s.status])).toEqual([
        ["prepare", "succeeded"],
        ["stream to storage", "cancelled"],
      ]);
    });

    it("stops a running task at its next checkpoint, marks it cancelled, and runs the entity's next task", async () => {
      const entityId = nextEntity();
      const running = await submit(entityId, { holdAt: "stream to storage", holdKey: "never-released" });
      const next = await submit(entityId);
      await t.waitForStatus(running.id, ["running"]);
      // Wait until the held step runs, so the cancel meets a handler in the middle of its work.
      for (let i = 0; i < 500; i++) {
        if ((await stepStarts(t.stores, [running.id])).some((s) => s.step === "stream to storage")) break;
        await new Promise((r) => setTimeout(r, 10));
      }

      const { outcome } = await t.engine.tasks.cancel(running.id);
      expect(outcome).toBe("cancelling");
      const cancelled = await t.waitForStatus(running.id, ["cancelled", "succeeded", "failed"]);
      expect(cancelled.status).toBe("cancelled");
      const steps = await t.stores.tasks.steps(running.id);
      expect(steps.map((s) => [s.name, s.status])).toEqual([
        ["prepare", "succeeded"],
        ["stream to storage", "cancelled"],
      ]);
      expect((await t.waitForStatus(next.id, ["succeeded", "failed"])).status).toBe("succeeded");
      expect(await t.stores.deadLetters.openForTask(running.id)).toBeNull();
    });

    it("cancels a task that waits for its retry without waiting for the backoff", async () => {
      const slow = await createTestEngine({
        queueEngine,
        engine: {
          handlers: createScriptedHandlers().handlers.map((h) => ({
            ...h,
            retry: { maxAttempts: 5, baseDelayMs: 120_000, maxDelayMs: 120_000 },
          })),
        },
      });
      try {
        await slow.engine.startWorker();
        const { task } = await slow.engine.tasks.submit({
          type: "db.backup",
          entityId: "slow/retry",
          payload: { failAt: "prepare" },
          requestedBy: "tester",
          source: "api",
        });
        for (let i = 0; i < 500; i++) {
          const logs = await slow.stores.taskEvents.logs(task.id);
          if (logs.some((l) => l.message.includes("Retrying in"))) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        expect((await slow.engine.tasks.cancel(task.id)).outcome).toBe("cancelling");
        expect((await slow.waitForStatus(task.id, ["cancelled", "failed"], 10_000)).status).toBe("cancelled");
      } finally {
        await slow.destroy();
      }
    });

    it("re-publishes a queued task that the queue lost", async () => {
      const entityId = nextEntity();
      const blocker = await submit(entityId, { holdAt: "prepare", holdKey: "reconcile" });
      const lost = await submit(entityId);
      await t.waitForStatus(blocker.id, ["running"]);
      // Simulate a crash between writing the row and publishing it (or a Redis that lost its data).
      expect(await t.engine.queue.remove(lost.id)).toBe(true);
      expect(await t.engine.queue.has(lost.id)).toBe(false);

      expect(await t.engine.reconciler.reconcileAll()).toBe(1);
      expect(await t.engine.queue.positionOf(lost.id)).toBe(1);
      script.release("reconcile");
      expect((await t.waitForStatus(lost.id, ["succeeded", "failed"])).status).toBe("succeeded");
      expect(await taskOrder([blocker.id, lost.id])).toEqual([0, 1]);
    });
  },
);
