import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stores } from "../../db/stores/index";
import type { TaskEvent } from "../../domain/model/events";
import { waitFor } from "../support/scaled-out";
import { createScriptedHandlers } from "../support/scripted-handlers";
import { redisUrl } from "../support/services";
import { createWorkerFleet, type WorkerFleet } from "../support/worker-fleet";

/**
 * Issue 14 item 8: a worker whose event loop stalls longer than the BullMQ lock (and its task lease)
 * loses the task to a second worker. The stalled runner's writes must be refused (fencing by the
 * lease on the task row) and it must stop; the task runs to completion once, no step succeeds twice.
 */
describe.skipIf(!redisUrl)("a worker process that stalls past its lock and lease (two workers)", () => {
  let fleet: WorkerFleet;
  let stores: Stores;

  // Short lock and lease so the stall outlasts them within a test; the stall itself is not timed.
  const startWorker = (spin: boolean) =>
    fleet.spawn({
      stepDelayMs: 10,
      scripted: { spin },
      lockDurationMs: 1500,
      stalledIntervalMs: 500,
      leaseMs: 1500,
    });

  beforeAll(async () => {
    fleet = await createWorkerFleet({
      redisUrl: redisUrl ?? "",
      maxConcurrentSessions: 2,
      handlers: createScriptedHandlers().handlers,
    });
    stores = fleet.stores;
  });

  afterAll(async () => {
    await fleet?.close();
  });

  it("refuses the stalled runner's writes; the task runs once to completion on the other worker", async () => {
    const stalled = await startWorker(true);
    const wake = join(fleet.dataDir, "wake-the-stalled-worker");
    const { task } = await fleet.engine.tasks.submit({
      type: "k8s.restart",
      entityId: "prod/api",
      payload: { namespace: "prod", name: "api", spinAt: "rollout restart", spinUntilFile: wake },
      requestedBy: "tester",
      source: "api",
    });
    const stepEvents = async () =>
      (await stores.taskEvents.listForTask(task.id)).filter((e) => e.data.kind === "step");
    const stallStart = await waitFor("the first worker to start the stalling step", 60_000, async () =>
      (await stepEvents()).find((e) => e.data.kind === "step" && e.data.name === "rollout restart"),
    );

    // The second worker's stalled check takes the job once the lock expired; the runner takes the
    // lease that was not renewed, resumes the same attempt and finishes the task.
    await startWorker(false);
    const done = await waitFor("the task to succeed on the second worker", 90_000, async () => {
      const row = await stores.tasks.get(task.id);
      return row?.status === "succeeded" ? row : null;
    });
    const closing = await waitFor("the closing status event", 10_000, async () => {
      const events = await stores.taskEvents.listForTask(task.id);
      const last = events.at(-1)?.data;
      return last?.kind === "status" && last.status === "succeeded" ? events : null;
    });

    // Wake the stalled worker: its next write (the step's success) must be refused, and it stops.
    writeFileSync(wake, "");
    await waitFor("the stalled worker to report its lost lease", 60_000, async () =>
      stalled
        .stderr()
        .includes("task lease taken by another delivery; this one stops without further writes"),
    );
    // The runner logs that line after its write was refused and then returns; nothing it tried landed.
    const after = await stores.taskEvents.listForTask(task.id);
    expect(after.map((e) => e.id)).toEqual(closing.map((e) => e.id));

    expect(done.attempts).toBe(1);
    const succeededSteps = after.flatMap((e: TaskEvent) =>
      e.data.kind === "step" && e.data.status === "succeeded" ? [e.data.name] : [],
    );
    expect(succeededSteps).toEqual(["connect", "rollout restart", "wait until ready"]);
    expect(after.filter((e) => e.data.kind === "status" && e.data.status === "succeeded")).toHaveLength(1);
    const logs = await stores.taskEvents.logs(task.id);
    const resumed = logs.find((l) => l.message.includes("Resuming attempt 1 of"));
    expect(resumed).toBeDefined();
    expect((await stores.tasks.steps(task.id)).map((s) => s.status)).toEqual([
      "succeeded",
      "succeeded",
      "succeeded",
    ]);
    expect(await fleet.queue.has(task.id)).toBe(false);
    console.info(
      `stalled worker: 1 task, steps started ${after.filter((e) => e.data.kind === "step" && e.data.status === "running").length} times, ` +
        `succeeded once each; the stalled runner's write was refused (lease lost); the second worker resumed it ` +
        `${(((resumed?.at.getTime() ?? 0) - Date.parse(stallStart.at)) / 1000).toFixed(1)} s after the stall began ` +
        "(including that worker's own start)",
    );
  }, 180_000);
});
