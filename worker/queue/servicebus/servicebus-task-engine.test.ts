import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stepsOf } from "../../../domain/model/task-types";
import { createTestEngine, type TestEngine } from "../../../tests/support/engine-harness";
import { newBus, QUEUE, waitUntil } from "../../../tests/support/servicebus";
import type { HandlerDeps } from "../../handlers/deps";
import type { TaskHandler } from "../../handlers/handler";

// The whole task engine (task service, runner, journal) on the Service Bus engine over the in-memory
// namespace: what a user sees through task statuses when the queue is Service Bus.

const released = new Set<string>();
/** Deploy steps that do nothing, except the step named by payload `holdAt`, which waits for release. */
const deploy: TaskHandler<HandlerDeps> = {
  type: "deploy",
  retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20 },
  steps: stepsOf("deploy").map((name) => ({
    name,
    async run(ctx) {
      if (ctx.payload.holdAt !== name) return;
      while (!released.has(ctx.task.id)) await ctx.sleep(5);
    },
  })),
};

describe("task engine on the servicebus queue", () => {
  let t: TestEngine;
  const bus = newBus();

  beforeAll(async () => {
    t = await createTestEngine({
      queue: {
        engine: "servicebus",
        serviceBusConnectionString:
          "Endpoint=sb://fake.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=x",
        serviceBusQueue: QUEUE,
        serviceBusConnect: bus.connect,
      },
      engine: { handlers: [deploy], stepDelayMs: 0 },
    });
    await t.engine.startWorker();
  });
  afterAll(async () => t?.destroy());

  const submit = async (entityId: string, payload: Record<string, unknown> = {}) =>
    (await t.engine.tasks.submit({ type: "deploy", entityId, payload, requestedBy: "tester", source: "api" }))
      .task;

  it("runs one entity's tasks in order through a retry, and a cancelled queued task never runs", async () => {
    const first = await submit("env-1", { failAt: "plan", failTimes: 1, holdAt: "apply" });
    const second = await submit("env-1");
    const third = await submit("env-1");
    await waitUntil(() => bus.sent.length === 3, "three messages were sent");
    expect(bus.sent.map((m) => [m.sessionId, m.messageId])).toEqual([
      ["env-1", first.id],
      ["env-1", second.id],
      ["env-1", third.id],
    ]);

    // While the first task is held in its last step, the others wait; cancel the third meanwhile.
    for (;;) {
      const steps = await t.stores.tasks.steps(first.id);
      if (steps.find((s) => s.name === "apply")?.status === "running") break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect((await t.stores.tasks.get(second.id))?.status).toBe("queued");
    expect((await t.engine.tasks.cancel(third.id)).outcome).toBe("cancelled");
    released.add(first.id);

    const [a, b, c] = await Promise.all([
      t.waitForStatus(first.id, ["succeeded", "failed"]),
      t.waitForStatus(second.id, ["succeeded", "failed"]),
      t.waitForStatus(third.id, ["cancelled"]),
    ]);
    expect(a).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(b.status).toBe("succeeded");
    expect(b.startedAt?.getTime()).toBeGreaterThanOrEqual(
      a.finishedAt?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    expect(c.startedAt).toBeNull();
    expect((await t.stores.tasks.steps(third.id)).map((s) => s.status)).toEqual([
      "pending",
      "pending",
      "pending",
    ]);
    await waitUntil(() => Object.keys(bus.pending(QUEUE)).length === 0, "the queue drained");
  });

  it("cancels a running task through its abort signal and runs the next one", async () => {
    const running = await submit("env-2", { holdAt: "plan" });
    const next = await submit("env-2");
    await t.waitForStatus(running.id, ["running"]);
    expect((await t.engine.tasks.cancel(running.id)).outcome).toBe("cancelling");

    expect((await t.waitForStatus(running.id, ["cancelled", "succeeded", "failed"])).status).toBe(
      "cancelled",
    );
    expect((await t.waitForStatus(next.id, ["succeeded", "failed"])).status).toBe("succeeded");
  });
});
