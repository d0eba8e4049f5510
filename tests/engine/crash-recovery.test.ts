import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stores } from "../../db/stores/index";
import type { TaskEvent } from "../../domain/model/events";
import type { TaskStatus } from "../../domain/model/task-status";
import type { TaskQueue } from "../../domain/queue-port";
import type { TaskEventBus } from "../../domain/task-event-bus";
import type { TaskEngine } from "../support/compose-engine";
import { stepStarts } from "../support/scripted-handlers";
import { redisUrl } from "../support/services";
import { createWorkerFleet, type WorkerFleet } from "../support/worker-fleet";

/**
 * Real worker processes on BullMQ sharing one database and one Redis prefix with this test process,
 * which plays the API: it submits tasks and listens to the event bus.
 */
describe.skipIf(!redisUrl)("worker processes on BullMQ", () => {
  let fleet: WorkerFleet;
  let stores: Stores;
  let queue: TaskQueue;
  let bus: TaskEventBus;
  let engine: TaskEngine;

  const startWorker = (stepDelayMs: number) => fleet.spawn({ stepDelayMs });

  beforeAll(async () => {
    fleet = await createWorkerFleet({ redisUrl: redisUrl ?? "", maxConcurrentSessions: 4 });
    ({ stores, queue, bus, engine } = fleet);
  });

  afterAll(async () => {
    await fleet?.close();
  });

  const restart = async (namespace: string, name: string) =>
    (
      await engine.tasks.submit({
        type: "k8s.restart",
        entityId: `${namespace}/${name}`,
        payload: { namespace, name },
        requestedBy: "tester",
        source: "api",
      })
    ).task;

  async function waitFor<T>(what: string, deadline: number, probe: () => Promise<T | null | undefined>) {
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  const statusOf = async (id: string, statuses: TaskStatus[]) => {
    const task = await stores.tasks.get(id);
    return task && statuses.includes(task.status as TaskStatus) ? task : null;
  };

  it("runs a task again on another worker within 30 s after its worker is killed, keeping the entity's order", async () => {
    // Slow steps on the first worker, so it dies in the middle of its tasks.
    const doomed = await startWorker(4000);
    const first = await restart("prod", "api");
    const second = await restart("prod", "api");
    const third = await restart("prod", "api");
    const other = await restart("prod", "web");
    await waitFor("the first task to be in its second step", Date.now() + 20_000, async () =>
      (await stepStarts(stores, [first.id])).some((s) => s.step === "rollout restart"),
    );

    await doomed.kill("SIGKILL");
    const killedAt = Date.now();
    await startWorker(20);

    // The task's worker died holding it: the new worker's stalled check hands it back within 30 s,
    // and the same attempt resumes (a crash is not a failed attempt).
    await waitFor("the first task to start again", killedAt + 30_000, async () =>
      (await stores.taskEvents.logs(first.id)).some((l) => l.message.includes("Resuming attempt 1 of 3")),
    );
    console.info(
      `crash recovery: task redelivered ${((Date.now() - killedAt) / 1000).toFixed(1)} s after SIGKILL`,
    );

    for (const task of [first, second, third, other]) {
      await waitFor(`task ${task.id} to finish`, Date.now() + 30_000, () =>
        statusOf(task.id, ["succeeded", "failed", "cancelled"]),
      );
    }
    for (const task of [first, second, third, other])
      expect((await stores.tasks.get(task.id))?.status).toBe("succeeded");
    expect((await stores.tasks.get(first.id))?.attempts).toBe(1);

    // The step that succeeded before the crash did not run again; the entity stayed in order.
    const runs = await stepStarts(stores, [first.id, second.id, third.id]);
    const label = (id: string) => (id === first.id ? "first" : id === second.id ? "second" : "third");
    const sequence = runs.map((r) => `${label(r.taskId)}:${r.step}`);
    // A step that was running when the worker died ran again, right after itself (none when the kill
    // fell between two steps); no step that had finished ran again.
    const repeated = sequence.filter((step, i) => sequence[i - 1] === step);
    expect(repeated.length).toBeLessThanOrEqual(1);
    for (const step of repeated) expect(["first:rollout restart", "first:wait until ready"]).toContain(step);
    expect(sequence.filter((step, i) => sequence[i - 1] !== step)).toEqual([
      "first:connect",
      "first:rollout restart",
      "first:wait until ready",
      "second:connect",
      "second:rollout restart",
      "second:wait until ready",
      "third:connect",
      "third:rollout restart",
      "third:wait until ready",
    ]);
    // Nothing ran twice to completion and nothing is left in the queue.
    for (const task of [first, second, third, other]) {
      const events = await stores.taskEvents.listForTask(task.id);
      expect(events.filter((e) => e.data.kind === "status" && e.data.status === "succeeded")).toHaveLength(1);
      expect(await queue.has(task.id)).toBe(false);
    }
  }, 120_000);

  it("delivers the events of a task run by a worker process to this process, seq 1..n without gaps", async () => {
    await startWorker(30);
    const received: TaskEvent[] = [];
    const unsubscribe = bus.subscribe((event) => received.push(event));
    await bus.ready();
    const task = await restart("prod", "worker");

    const done = await waitFor("the task to finish", Date.now() + 30_000, () =>
      statusOf(task.id, ["succeeded", "failed"]),
    );
    expect(done.status).toBe("succeeded");
    // The row turns final a moment before its closing status event is stored: wait for that event.
    const stored = await waitFor("the closing status event", Date.now() + 10_000, async () => {
      const events = await stores.taskEvents.listForTask(task.id);
      const last = events.at(-1)?.data;
      return last?.kind === "status" && last.status === "succeeded" ? events : null;
    });
    await waitFor("every event to arrive", Date.now() + 5_000, async () =>
      received.filter((e) => e.taskId === task.id).length >= stored.length ? true : null,
    );
    unsubscribe();

    const mine = received.filter((e) => e.taskId === task.id);
    expect(mine.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
    expect(mine.map((e) => e.id)).toEqual(stored.map((e) => e.id));
    // Everything after "queued" was produced by the worker process.
    const kinds = new Set(mine.slice(1).map((e) => e.data.kind));
    expect([...kinds].sort()).toEqual(["log", "progress", "status", "step"]);
    expect(mine.at(-1)?.data).toMatchObject({ kind: "status", status: "succeeded" });
  }, 60_000);
});
