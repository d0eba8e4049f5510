import { describe, expect, it } from "vitest";
import { ABORT_REASON } from "../../../domain/queue-port";
import { createFakeServiceBus } from "../../../tests/doubles/fake-service-bus";
import {
  closeAfterEach,
  createRecorder,
  enqueueMany,
  fakeEngine,
  newBus,
  QUEUE,
  waitUntil,
} from "../../../tests/support/servicebus";

// Service Bus engine against an in-memory namespace with real session semantics (fake-service-bus.ts):
// no Azure namespace is reachable from CI, so this is the SDK boundary, not the broker.

const track = closeAfterEach();

describe("servicebus engine: sending", () => {
  it("sends each task as a message with sessionId = entityId and messageId = taskId", async () => {
    const bus = newBus();
    const queue = await track(fakeEngine(bus));
    await queue.enqueue({ taskId: "tsk_1", entityId: "prod/api" });
    await queue.enqueue({ taskId: "tsk_2", entityId: "azure-postgres/main" });

    expect(bus.sent).toEqual([
      expect.objectContaining({
        sessionId: "prod/api",
        messageId: "tsk_1",
        body: { taskId: "tsk_1", entityId: "prod/api" },
      }),
      expect.objectContaining({
        sessionId: "azure-postgres/main",
        messageId: "tsk_2",
        body: { taskId: "tsk_2", entityId: "azure-postgres/main" },
      }),
    ]);
    expect(bus.pending(QUEUE)).toEqual({ "prod/api": ["tsk_1"], "azure-postgres/main": ["tsk_2"] });
  });

  it("sends the item's traceparent as the message's traceparent application property and delivers it back", async () => {
    const bus = newBus();
    const queue = await track(fakeEngine(bus));
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    await queue.enqueue({ taskId: "traced", entityId: "prod/api", traceparent });
    await queue.enqueue({ taskId: "untraced", entityId: "prod/web" });
    expect(bus.sent[0]).toMatchObject({ applicationProperties: { traceparent } });
    expect(bus.sent[1]).not.toHaveProperty("applicationProperties");

    const seen = new Map<string, string | undefined>();
    await queue.start(async (delivery) => {
      seen.set(delivery.taskId, delivery.traceparent);
      return { kind: "done" };
    });
    await waitUntil(() => seen.size === 2, "both tasks ran");
    expect(seen.get("traced")).toBe(traceparent);
    expect(seen.get("untraced")).toBeUndefined();
  });

  it("accepts sessions in peekLock mode with automatic lock renewal", async () => {
    const bus = newBus();
    const queue = await track(fakeEngine(bus, { maxAutoLockRenewalDurationInMs: 120_000 }));
    const recorder = createRecorder();
    await queue.enqueue({ taskId: "t1", entityId: "e1" });
    await queue.start(recorder.processor());
    await waitUntil(() => recorder.runs.length === 1, "the task ran");

    expect(bus.accepts[0]).toMatchObject({
      queueName: QUEUE,
      sessionId: "e1",
      options: { receiveMode: "peekLock", maxAutoLockRenewalDurationInMs: 120_000 },
    });
  });
});

describe("servicebus engine: order and concurrency", () => {
  it("runs the tasks of one entity one after the other, in enqueue order", async () => {
    const bus = newBus();
    const queue = await track(fakeEngine(bus, { maxConcurrentSessions: 3, maxMessagesPerSession: 2 }));
    const recorder = createRecorder();
    const entities = ["a", "b", "c", "d", "e"];
    await enqueueMany(queue, entities, 6);
    await queue.start(recorder.processor());
    await waitUntil(() => recorder.runs.filter((r) => r.ended).length === 30, "all 30 tasks ran");

    for (const entity of entities) {
      expect(recorder.startsOf(entity)).toEqual([1, 2, 3, 4, 5, 6].map((n) => `${entity}-${n}`));
    }
    expect(recorder.overlaps()).toEqual([]);
    expect(bus.pending(QUEUE)).toEqual({});
  });

  it("keeps one entity strictly ordered across two worker processes on one queue", async () => {
    const bus = newBus();
    const producer = await track(fakeEngine(bus));
    const w1 = await track(fakeEngine(bus, { maxConcurrentSessions: 2, maxMessagesPerSession: 1 }));
    const w2 = await track(fakeEngine(bus, { maxConcurrentSessions: 2, maxMessagesPerSession: 1 }));
    const recorder = createRecorder();
    await enqueueMany(producer, ["x", "y", "z"], 8);
    await w1.start(recorder.processor("w1"));
    await w2.start(recorder.processor("w2"));
    await waitUntil(() => recorder.runs.filter((r) => r.ended).length === 24, "all 24 tasks ran");

    for (const entity of ["x", "y", "z"]) {
      expect(recorder.startsOf(entity)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => `${entity}-${n}`));
    }
    expect(recorder.overlaps()).toEqual([]);
    expect(new Set(recorder.runs.map((r) => r.worker))).toEqual(new Set(["w1", "w2"]));
  });

  it("runs different entities in parallel, never more than maxConcurrentSessions at once", async () => {
    const bus = newBus();
    const queue = await track(fakeEngine(bus, { maxConcurrentSessions: 3 }));
    const recorder = createRecorder();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    recorder.behave(async (d) => {
      await Promise.race([gate, new Promise((resolve) => d.signal.addEventListener("abort", resolve))]);
      return { kind: "done" };
    });
    await enqueueMany(queue, ["a", "b", "c", "d", "e", "f"], 2);
    await queue.start(recorder.processor());
    await waitUntil(() => recorder.runs.length >= 3, "three entities run at once");
    // Give the loops a chance to (wrongly) take a fourth session while three are busy.
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(recorder.runs.filter((r) => !r.ended)).toHaveLength(3);
    expect(bus.openReceivers).toBe(3);

    release();
    await waitUntil(() => recorder.runs.filter((r) => r.ended).length === 12, "all 12 tasks ran");
    expect(recorder.peak).toBe(3);
    expect(bus.peakReceivers).toBe(3);
  });

  it("closes a session after maxMessagesPerSession so another waiting entity gets a turn", async () => {
    const bus = newBus();
    const queue = await track(fakeEngine(bus, { maxConcurrentSessions: 1, maxMessagesPerSession: 2 }));
    const recorder = createRecorder();
    for (const n of [1, 2, 3, 4]) await queue.enqueue({ taskId: `a-${n}`, entityId: "a" });
    await queue.enqueue({ taskId: "b-1", entityId: "b" });
    await queue.start(recorder.processor());
    await waitUntil(() => recorder.runs.filter((r) => r.ended).length === 5, "all 5 tasks ran");

    expect(recorder.runs.map((r) => r.taskId)).toEqual(["a-1", "a-2", "b-1", "a-3", "a-4"]);
    expect(bus.accepts.map((a) => a.sessionId)).toEqual(["a", "b", "a"]);
  });
});

describe("servicebus engine: processor results", () => {
  it("keeps the entity blocked while a task waits for its retry, then delivers it again before the next", async () => {
    const bus = newBus();
    const queue = await track(fakeEngine(bus, { maxConcurrentSessions: 2 }));
    const recorder = createRecorder();
    recorder.behave((d) =>
      d.taskId === "a-1" && d.deliveryCount < 3 ? { kind: "retry", delayMs: 15 } : undefined,
    );
    await enqueueMany(queue, ["a"], 3);
    await queue.start(recorder.processor());
    await waitUntil(() => recorder.runs.filter((r) => r.ended).length === 5, "the retries and the rest ran");

    expect(recorder.runs.map((r) => [r.taskId, r.deliveryCount])).toEqual([
      ["a-1", 1],
      ["a-1", 2],
      ["a-1", 3],
      ["a-2", 1],
      ["a-3", 1],
    ]);
    expect(recorder.overlaps()).toEqual([]);
  });

  it("retries more often than the queue's MaxDeliveryCount without the broker dead-lettering the task", async () => {
    const bus = createFakeServiceBus({ acceptTimeoutMs: 10, maxDeliveryCount: 2 });
    bus.addQueue(QUEUE);
    const queue = await track(fakeEngine(bus));
    const recorder = createRecorder();
    recorder.behave((d) => (d.deliveryCount < 5 ? { kind: "retry", delayMs: 1 } : undefined));
    await queue.enqueue({ taskId: "t1", entityId: "e" });
    await queue.start(recorder.processor());
    await waitUntil(() => recorder.runs.filter((r) => r.ended).length === 5, "five deliveries ran");
    await waitUntil(() => Object.keys(bus.pending(QUEUE)).length === 0, "the message was completed");

    expect(bus.deadLetters(QUEUE)).toEqual([]);
  });

  it("on release abandons the message so the same task is delivered again first, counted by the broker", async () => {
    const bus = newBus();
    const queue = await track(fakeEngine(bus, { maxConcurrentSessions: 1 }));
    const recorder = createRecorder();
    recorder.behave((d) => (d.taskId === "a-1" && d.deliveryCount === 1 ? { kind: "release" } : undefined));
    await enqueueMany(queue, ["a"], 2);
    await queue.start(recorder.processor());
    await waitUntil(() => recorder.runs.filter((r) => r.ended).length === 3, "three deliveries ran");

    expect(recorder.runs.map((r) => [r.taskId, r.deliveryCount])).toEqual([
      ["a-1", 1],
      ["a-1", 2],
      ["a-2", 1],
    ]);
    // The session was closed after the release and accepted again.
    expect(bus.accepts.map((a) => a.sessionId)).toEqual(["a", "a"]);
  });

  it("dead-letters a message whose body is not a task item and carries on", async () => {
    const bus = newBus();
    const queue = await track(fakeEngine(bus));
    const recorder = createRecorder();
    await queue.enqueue({ taskId: "t1", entityId: "e" });
    bus.sendRaw(QUEUE, { body: "not an item", sessionId: "e", messageId: "junk" });
    await queue.enqueue({ taskId: "t2", entityId: "e" });
    await queue.start(recorder.processor());
    await waitUntil(() => recorder.runs.filter((r) => r.ended).length === 2, "both tasks ran");

    expect(recorder.startsOf("e")).toEqual(["t1", "t2"]);
    expect(bus.deadLetters(QUEUE)).toEqual([
      expect.objectContaining({ messageId: "junk", reason: "invalid_body" }),
    ]);
  });
});

describe("servicebus engine: cancel", () => {
  it("aborts a running delivery with reason cancelled, and the entity moves on", async () => {
    const bus = newBus();
    const queue = await track(fakeEngine(bus));
    const recorder = createRecorder();
    recorder.behave(async (d) => {
      if (d.taskId !== "a-1") return undefined;
      await new Promise((resolve) => d.signal.addEventListener("abort", resolve, { once: true }));
      return { kind: "done" };
    });
    await enqueueMany(queue, ["a"], 2);
    await queue.start(recorder.processor());
    await waitUntil(() => recorder.runs.length === 1, "a-1 runs");
    await queue.abort("a-1");
    await waitUntil(() => recorder.runs.filter((r) => r.ended).length === 2, "a-2 ran");

    expect(recorder.runs[0]).toMatchObject({ taskId: "a-1", abortReason: ABORT_REASON.cancelled });
    expect(recorder.startsOf("a")).toEqual(["a-1", "a-2"]);
  });

  it("wakes a task waiting for its retry so the cancel is seen without the wait", async () => {
    const bus = newBus();
    const queue = await track(fakeEngine(bus));
    const recorder = createRecorder();
    recorder.behave((d) => (d.deliveryCount === 1 ? { kind: "retry", delayMs: 600_000 } : undefined));
    await queue.enqueue({ taskId: "t1", entityId: "e" });
    await queue.start(recorder.processor());
    await waitUntil(() => recorder.runs.filter((r) => r.ended).length === 1, "the first attempt ended");
    await queue.abort("t1");
    await waitUntil(() => recorder.runs.filter((r) => r.ended).length === 2, "the task was delivered again");

    expect(recorder.runs.map((r) => r.deliveryCount)).toEqual([1, 2]);
  });

  it("drops a removed waiting task without running it and keeps the order of the others", async () => {
    const bus = newBus();
    const queue = await track(fakeEngine(bus));
    const recorder = createRecorder();
    await enqueueMany(queue, ["a"], 3);
    expect(await queue.remove("a-2")).toBe(true);
    expect(await queue.has("a-2")).toBe(false);
    await queue.start(recorder.processor());
    await waitUntil(() => Object.keys(bus.pending(QUEUE)).length === 0, "the session drained");

    expect(recorder.startsOf("a")).toEqual(["a-1", "a-3"]);
  });

  it("sends a task running here once more when it is enqueued again, and runs it after the tasks sent before", async () => {
    // A task moved back to queued while its delivery finishes (a retry right after it failed).
    const bus = newBus();
    const queue = await track(fakeEngine(bus));
    const recorder = createRecorder();
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    recorder.behave(async (d) => {
      if (d.taskId === "a-1" && recorder.startsOf("a").length === 1) await held;
      return undefined;
    });
    await enqueueMany(queue, ["a"], 2);
    await queue.start(recorder.processor());
    await waitUntil(() => recorder.runs.length === 1, "a-1 runs");
    expect(await queue.positionOf("a-1")).toBe(0);
    await queue.enqueue({ taskId: "a-1", entityId: "a" });
    await queue.enqueue({ taskId: "a-1", entityId: "a" });
    await queue.enqueue({ taskId: "a-3", entityId: "a" });
    // Somewhere behind in its session now: Service Bus cannot say where.
    expect(await queue.positionOf("a-1")).toBeNull();
    expect(await queue.has("a-1")).toBe(true);
    release();
    await waitUntil(() => recorder.runs.filter((r) => r.ended).length === 4, "four deliveries ran");

    expect(recorder.startsOf("a")).toEqual(["a-1", "a-2", "a-1", "a-3"]);
    expect(bus.sent.filter((m) => m.messageId === "a-1")).toHaveLength(2);
    expect(recorder.overlaps()).toEqual([]);
  });

  it("removes the message sent again for a task running here, not the running delivery", async () => {
    const bus = newBus();
    const queue = await track(fakeEngine(bus));
    const recorder = createRecorder();
    recorder.behave(async (d) => {
      if (d.taskId !== "t1" || recorder.startsOf("e").length > 1) return undefined;
      await new Promise((resolve) => d.signal.addEventListener("abort", resolve, { once: true }));
      return { kind: "done" };
    });
    await queue.enqueue({ taskId: "t1", entityId: "e" });
    await queue.start(recorder.processor());
    await waitUntil(() => recorder.runs.length === 1, "t1 runs");
    await queue.enqueue({ taskId: "t1", entityId: "e" });
    await queue.enqueue({ taskId: "t2", entityId: "e" });

    expect(await queue.remove("t1")).toBe(true);
    expect(await queue.remove("t1")).toBe(false);
    await queue.abort("t1");
    await waitUntil(() => Object.keys(bus.pending(QUEUE)).length === 0, "the session drained");
    expect(recorder.startsOf("e")).toEqual(["t1", "t2"]);
  });

  it("refuses to remove a task that is running here", async () => {
    const bus = newBus();
    const queue = await track(fakeEngine(bus));
    const recorder = createRecorder();
    recorder.behave(async (d) => {
      await new Promise((resolve) => d.signal.addEventListener("abort", resolve, { once: true }));
      return { kind: "done" };
    });
    await queue.enqueue({ taskId: "t1", entityId: "e" });
    await queue.start(recorder.processor());
    await waitUntil(() => recorder.runs.length === 1, "t1 runs");

    expect(await queue.remove("t1")).toBe(false);
    await queue.abort("t1");
  });
});
