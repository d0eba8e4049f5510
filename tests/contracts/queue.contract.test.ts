import { afterAll, afterEach, describe, expect, it, onTestFinished } from "vitest";
import type { QueueKind, QueueOptions, TaskQueue } from "../../domain/queue-port";
import { silentLogger } from "../../platform/logger";
import { createQueue } from "../../worker/queue/create-queue";
import { createRecorder, gate, waitUntil } from "../support/queue-recorder";
import { deleteRedisKeys } from "../support/redis-keys";
import { redisUrl, uniqueSuffix } from "../support/services";

/** The queue port's semantics (worker/queue/port.ts), the same on every engine this machine can reach. */
const engines: QueueKind[] = redisUrl ? ["memory", "bullmq"] : ["memory"];

describe.each(engines)("queue contract on the %s engine", (engine) => {
  const suitePrefix = `cloudops-test:${uniqueSuffix()}`;
  const opened: TaskQueue[] = [];
  let lane = 0;

  /** A queue on its own prefix, or on `prefix` to share it with another instance (BullMQ). */
  async function open(options: Partial<QueueOptions> = {}, prefix = `${suitePrefix}:${++lane}`) {
    const queue = await createQueue(
      { engine, redisUrl, prefix, maxConcurrentSessions: 4, maxMessagesPerSession: 4, ...options },
      silentLogger,
    );
    opened.push(queue);
    return { queue, prefix };
  }

  const enqueueAll = async (queue: TaskQueue, items: [entityId: string, taskId: string][]) => {
    for (const [entityId, taskId] of items) await queue.enqueue({ entityId, taskId });
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((q) => q.close()));
  });
  afterAll(async () => {
    if (engine === "bullmq" && redisUrl) await deleteRedisKeys(redisUrl, suitePrefix);
  });

  it("runs the items of one entity one after the other in enqueue order, never two at once", async () => {
    const { queue } = await open({ maxConcurrentSessions: 4 });
    const recorder = createRecorder(15);
    await queue.start(recorder.processor());
    const items: [string, string][] = [];
    for (let i = 1; i <= 6; i++) for (const e of ["a", "b", "c"]) items.push([`env/${e}`, `${e}${i}`]);
    await enqueueAll(queue, items);
    await waitUntil(() => recorder.ends().length === items.length, "every item ran");
    for (const e of ["a", "b", "c"]) {
      expect(recorder.starts(`env/${e}`)).toEqual([1, 2, 3, 4, 5, 6].map((i) => `${e}${i}`));
    }
    expect(recorder.maxOverlapPerEntity()).toBe(1);
  });

  it("hands an item's traceparent to its delivery, so the worker's spans join the enqueuing trace", async () => {
    const { queue } = await open();
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const seen: Array<string | undefined> = [];
    await queue.start(async (delivery) => {
      seen.push(delivery.traceparent);
      return { kind: "done" };
    });
    await queue.enqueue({ entityId: "env/traced", taskId: "traced-1", traceparent });
    await queue.enqueue({ entityId: "env/untraced", taskId: "untraced-1" });
    await waitUntil(() => seen.length === 2, "both items ran");
    expect(seen).toContain(traceparent);
    expect(seen).toContain(undefined);
  });

  it("runs different entities in parallel, at most maxConcurrentSessions at once", async () => {
    const { queue } = await open({ maxConcurrentSessions: 3 });
    const recorder = createRecorder(40);
    await queue.start(recorder.processor());
    const items: [string, string][] = [];
    for (let e = 0; e < 8; e++) for (let i = 0; i < 2; i++) items.push([`entity-${e}`, `t${e}-${i}`]);
    await enqueueAll(queue, items);
    await waitUntil(() => recorder.ends().length === items.length, "every item ran");
    expect(recorder.maxRunning).toBeGreaterThan(1);
    expect(recorder.maxRunning).toBeLessThanOrEqual(3);
    expect(recorder.maxOverlapPerEntity()).toBe(1);
  });

  // Two worker instances sharing one queue exist only on BullMQ; the memory engine is one process.
  if (engine === "bullmq") {
    it("keeps FIFO per entity and the global cap across two worker instances on one queue", async () => {
      // Two workers with local caps of 2 could run 4 at once; the global cap (set to 3 by the
      // instance opened last, as a process configured that way would) must hold across both, and
      // reaching 3 at once needs both workers, so neither can take all the work.
      const { queue: first, prefix } = await open({ maxConcurrentSessions: 2 });
      const { queue: second } = await open({ maxConcurrentSessions: 2 }, prefix);
      await open({ maxConcurrentSessions: 3 }, prefix);
      const recorder = createRecorder(25);
      await first.start(recorder.processor("w1"));
      await second.start(recorder.processor("w2"));
      const items: [string, string][] = [];
      for (let i = 1; i <= 5; i++) for (let e = 0; e < 8; e++) items.push([`ns/app-${e}`, `a${e}-${i}`]);
      // Half the items are published through each instance, as two API processes would.
      for (const [n, [entityId, taskId]] of items.entries())
        await (n % 2 === 0 ? first : second).enqueue({ entityId, taskId });
      await waitUntil(() => recorder.ends().length === items.length, "every item ran", 25_000);
      for (let e = 0; e < 8; e++) {
        expect(recorder.starts(`ns/app-${e}`)).toEqual([1, 2, 3, 4, 5].map((i) => `a${e}-${i}`));
      }
      expect(recorder.maxOverlapPerEntity()).toBe(1);
      expect(recorder.maxRunning).toBeGreaterThan(1);
      expect(recorder.maxRunning).toBeLessThanOrEqual(3);
      const workers = new Set(recorder.ends().map((r) => r.worker));
      expect([...workers].sort()).toEqual(["w1", "w2"]);
    });
  }

  it("gives another waiting entity a turn after maxMessagesPerSession items of one entity", async () => {
    const { queue } = await open({ maxConcurrentSessions: 1, maxMessagesPerSession: 2 });
    const recorder = createRecorder(5);
    const everythingQueued = gate();
    recorder.behave(async (d) => {
      if (d.taskId === "busy1") await everythingQueued.promise;
      return undefined;
    });
    await queue.start(recorder.processor());
    await enqueueAll(queue, [
      ["busy", "busy1"],
      ["busy", "busy2"],
      ["busy", "busy3"],
      ["busy", "busy4"],
      ["busy", "busy5"],
      ["other", "other1"],
    ]);
    everythingQueued.open();
    await waitUntil(() => recorder.ends().length === 6, "every item ran");
    const order = recorder.starts();
    expect(order.indexOf("other1")).toBeLessThan(order.indexOf("busy3"));
    expect(recorder.starts("busy")).toEqual(["busy1", "busy2", "busy3", "busy4", "busy5"]);
  });

  it("keeps the entity blocked while its head waits for a retry, so order holds", async () => {
    const { queue } = await open();
    const recorder = createRecorder(5);
    recorder.behave((d) =>
      d.taskId === "r1" && d.deliveryCount < 3 ? { kind: "retry", delayMs: 80 } : undefined,
    );
    await queue.start(recorder.processor());
    await enqueueAll(queue, [
      ["svc", "r1"],
      ["svc", "r2"],
      ["other", "o1"],
    ]);
    await waitUntil(() => recorder.ends().length === 5, "r1 ran three times and the others once");
    expect(recorder.starts("svc")).toEqual(["r1", "r1", "r1", "r2"]);
    expect(recorder.ends("r1").map((r) => r.deliveryCount)).toEqual([1, 2, 3]);
    // The other entity did not wait for the retries.
    expect(recorder.starts().indexOf("o1")).toBeLessThan(recorder.starts().indexOf("r2"));
  });

  it("redelivers a released item at once and keeps its place", async () => {
    const { queue } = await open();
    const recorder = createRecorder(5);
    recorder.behave((d) => (d.taskId === "x1" && d.deliveryCount === 1 ? { kind: "release" } : undefined));
    await queue.start(recorder.processor());
    await enqueueAll(queue, [
      ["lane", "x1"],
      ["lane", "x2"],
    ]);
    await waitUntil(() => recorder.ends().length === 3, "x1 twice and x2 once");
    expect(recorder.starts()).toEqual(["x1", "x1", "x2"]);
    expect(recorder.ends("x1").map((r) => r.deliveryCount)).toEqual([1, 2]);
  });

  it("removes a waiting item without disturbing the order of the others, but not a running one", async () => {
    const { queue } = await open({ maxConcurrentSessions: 1 });
    const recorder = createRecorder(5);
    const hold = gate();
    recorder.behave(async (d) => {
      if (d.taskId === "q1") await hold.promise;
      return undefined;
    });
    await queue.start(recorder.processor());
    await enqueueAll(queue, [
      ["db", "q1"],
      ["db", "q2"],
      ["db", "q3"],
      ["db", "q4"],
    ]);
    await waitUntil(() => recorder.starts().includes("q1"), "q1 runs");
    expect(await queue.remove("q3")).toBe(true);
    expect(await queue.remove("q1")).toBe(false);
    expect(await queue.remove("q3")).toBe(false);
    expect(await queue.has("q3")).toBe(false);
    expect(await queue.positionOf("q4")).toBe(2);
    hold.open();
    await waitUntil(() => recorder.ends().length === 3, "the remaining items ran");
    expect(recorder.starts()).toEqual(["q1", "q2", "q4"]);
  });

  it("removes a waiting head so the entity's next item runs", async () => {
    const { queue } = await open({ maxConcurrentSessions: 1 });
    const recorder = createRecorder(5);
    const hold = gate();
    recorder.behave(async (d) => {
      if (d.taskId === "blocker") await hold.promise;
      return undefined;
    });
    await queue.start(recorder.processor());
    await enqueueAll(queue, [
      ["first", "blocker"],
      ["second", "h1"],
      ["second", "h2"],
    ]);
    await waitUntil(() => recorder.starts().includes("blocker"), "the blocker runs");
    expect(await queue.remove("h1")).toBe(true);
    expect(await queue.positionOf("h2")).toBe(0);
    hold.open();
    await waitUntil(() => recorder.ends().length === 2, "blocker and h2 ran");
    expect(recorder.starts()).toEqual(["blocker", "h2"]);
  });

  it("fires the running delivery's signal with reason cancelled when asked from any instance", async () => {
    const { queue, prefix } = await open();
    // On BullMQ the request comes from a second instance that does not consume (an API process).
    const requester = engine === "bullmq" ? (await open({}, prefix)).queue : queue;
    const recorder = createRecorder(5);
    recorder.behave(
      (d) =>
        new Promise((resolve) => {
          if (d.taskId !== "long") return resolve(undefined);
          d.signal.addEventListener("abort", () => resolve({ kind: "done" }), { once: true });
        }),
    );
    await queue.start(recorder.processor());
    await enqueueAll(queue, [
      ["k8s/api", "long"],
      ["k8s/api", "after"],
    ]);
    await waitUntil(() => recorder.starts().includes("long"), "the long item runs");
    await requester.abort("long");
    await waitUntil(() => recorder.ends().length === 2, "the long item stopped and the next ran");
    expect(recorder.ends("long")[0]?.abortReason).toBe("cancelled");
    expect(recorder.starts()).toEqual(["long", "after"]);
  });

  it("wakes a head that waits for its retry when it is aborted", async () => {
    const { queue } = await open();
    const recorder = createRecorder(5);
    recorder.behave((d) =>
      d.taskId === "slow-retry" && d.deliveryCount === 1 ? { kind: "retry", delayMs: 120_000 } : undefined,
    );
    await queue.start(recorder.processor());
    await queue.enqueue({ entityId: "e", taskId: "slow-retry" });
    await waitUntil(() => recorder.ends().length === 1, "the first delivery answered retry");
    await queue.abort("slow-retry");
    await waitUntil(() => recorder.ends().length === 2, "the item was delivered again without the wait");
    expect(recorder.ends("slow-retry").map((r) => r.deliveryCount)).toEqual([1, 2]);
  });

  it("reports membership, positions and a snapshot of every entity", async () => {
    const { queue } = await open({ maxConcurrentSessions: 1 });
    const recorder = createRecorder(5);
    const hold = gate();
    recorder.behave(async (d) => {
      if (d.taskId === "p1") await hold.promise;
      return undefined;
    });
    await queue.start(recorder.processor());
    await enqueueAll(queue, [
      ["alpha", "p1"],
      ["alpha", "p2"],
      ["alpha", "p3"],
      ["beta", "b1"],
    ]);
    await waitUntil(() => recorder.starts().includes("p1"), "p1 runs");
    expect(await queue.has("p2")).toBe(true);
    expect(await queue.has("nope")).toBe(false);
    expect(await Promise.all(["p1", "p2", "p3", "b1", "nope"].map((id) => queue.positionOf(id)))).toEqual([
      0,
      1,
      2,
      0,
      null,
    ]);
    expect(await queue.snapshot()).toEqual([
      { entityId: "alpha", depth: 3, runningTaskId: "p1", pendingTaskIds: ["p2", "p3"] },
      { entityId: "beta", depth: 1, runningTaskId: null, pendingTaskIds: ["b1"] },
    ]);
    hold.open();
    await waitUntil(() => recorder.ends().length === 4, "everything ran");
    expect(await queue.snapshot()).toEqual([]);
    expect(await queue.has("p1")).toBe(false);
  });

  it("ignores an enqueue of a task id that is already waiting", async () => {
    const { queue } = await open({ maxConcurrentSessions: 1 });
    const recorder = createRecorder(5);
    const hold = gate();
    recorder.behave(async (d) => {
      if (d.taskId === "d1") await hold.promise;
      return undefined;
    });
    await queue.start(recorder.processor());
    await enqueueAll(queue, [
      ["dup", "d1"],
      ["dup", "d2"],
    ]);
    await waitUntil(() => recorder.starts().includes("d1"), "d1 runs");
    await enqueueAll(queue, [
      ["dup", "d2"],
      ["dup", "d2"],
    ]);
    expect((await queue.snapshot())[0]?.depth).toBe(2);
    // A sentinel behind them: a duplicate that had been queued would run before it.
    await enqueueAll(queue, [["dup", "d3"]]);
    hold.open();
    await waitUntil(() => recorder.ends().length === 3, "d1, d2 and d3 ran");
    expect(recorder.starts()).toEqual(["d1", "d2", "d3"]);
  });

  it("queues a running item once more when it is enqueued again, where that enqueue put it", async () => {
    // A task moved back to queued while its delivery finishes (a retry right after it failed): the
    // enqueue must not be lost as a duplicate of the delivery that is about to end.
    const { queue } = await open({ maxConcurrentSessions: 1 });
    const recorder = createRecorder(5);
    const hold = gate();
    onTestFinished(() => hold.open());
    recorder.behave(async (d) => {
      if (d.taskId === "r1" && d.deliveryCount === 1) await hold.promise;
      return undefined;
    });
    await queue.start(recorder.processor());
    await enqueueAll(queue, [
      ["again", "r1"],
      ["again", "r2"],
    ]);
    await waitUntil(() => recorder.starts().includes("r1"), "r1 runs");
    // Once more behind r2, and only once however often it is asked; r3 comes after it.
    await enqueueAll(queue, [
      ["again", "r1"],
      ["again", "r1"],
      ["again", "r3"],
    ]);
    expect(await queue.has("r1")).toBe(true);
    // Its place is the second entry's: the first is the end of the delivery that is running.
    expect(await queue.positionOf("r1")).toBe(2);
    expect(await queue.snapshot()).toEqual([
      { entityId: "again", depth: 4, runningTaskId: "r1", pendingTaskIds: ["r2", "r1", "r3"] },
    ]);
    hold.open();
    await waitUntil(() => recorder.ends().length === 4, "r1, r2, r1 again and r3 ran");
    expect(recorder.starts()).toEqual(["r1", "r2", "r1", "r3"]);
    expect(recorder.ends("r1").map((r) => r.deliveryCount)).toEqual([1, 1]);
    expect(recorder.maxOverlapPerEntity()).toBe(1);
    expect(await queue.has("r1")).toBe(false);
    expect(await queue.snapshot()).toEqual([]);
  });

  it("removes the waiting copy of a running item, not the running delivery", async () => {
    const { queue } = await open({ maxConcurrentSessions: 1 });
    const recorder = createRecorder(5);
    const hold = gate();
    onTestFinished(() => hold.open());
    recorder.behave(async (d) => {
      if (d.taskId === "c1") await hold.promise;
      return undefined;
    });
    await queue.start(recorder.processor());
    await enqueueAll(queue, [["copy", "c1"]]);
    await waitUntil(() => recorder.starts().includes("c1"), "c1 runs");
    await enqueueAll(queue, [
      ["copy", "c1"],
      ["copy", "c2"],
    ]);
    expect(await queue.positionOf("c1")).toBe(1);
    expect(await queue.remove("c1")).toBe(true);
    expect(await queue.positionOf("c1")).toBe(0);
    expect(await queue.remove("c1")).toBe(false);
    expect((await queue.snapshot())[0]?.pendingTaskIds).toEqual(["c2"]);
    hold.open();
    await waitUntil(() => recorder.ends().length === 2, "c1 and c2 ran");
    expect(recorder.starts()).toEqual(["c1", "c2"]);
    expect(await queue.has("c1")).toBe(false);
  });

  it("on stop aborts running deliveries with reason shutdown after the grace period; they run again on restart", async () => {
    const { queue } = await open();
    const recorder = createRecorder(5);
    recorder.behave(
      (d) =>
        new Promise((resolve) => {
          if (d.taskId !== "s1" || d.deliveryCount > 1) return resolve(undefined);
          d.signal.addEventListener("abort", () => resolve({ kind: "release" }), { once: true });
        }),
    );
    await queue.start(recorder.processor());
    await enqueueAll(queue, [
      ["s", "s1"],
      ["s", "s2"],
    ]);
    await waitUntil(() => recorder.starts().includes("s1"), "s1 runs");
    await queue.stop(50);
    expect(recorder.ends("s1")[0]?.abortReason).toBe("shutdown");
    expect(await queue.has("s1")).toBe(true);
    await queue.start(recorder.processor());
    await waitUntil(() => recorder.ends().length === 3, "s1 again, then s2");
    expect(recorder.starts()).toEqual(["s1", "s1", "s2"]);
  });
});
