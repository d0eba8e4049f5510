import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../config";
import { ABORT_REASON } from "../../../domain/queue-port";
import { silentLogger } from "../../../platform/logger";
import { createFakeServiceBus, serviceBusError } from "../../../tests/doubles/fake-service-bus";
import {
  closeAfterEach,
  createRecorder,
  enqueueMany,
  fakeEngine,
  newBus,
  QUEUE,
  waitUntil,
} from "../../../tests/support/servicebus";
import { createQueue } from "../create-queue";
import { ensureServiceBusQueue } from "./ensure-queue";

// Errors, shutdown, local knowledge and wiring of the Service Bus engine, on the in-memory namespace.

const track = closeAfterEach();

function holdUntilAborted(recorder: ReturnType<typeof createRecorder>, taskId: string) {
  recorder.behave(async (d) => {
    if (d.taskId !== taskId) return undefined;
    await new Promise((resolve) => d.signal.addEventListener("abort", resolve, { once: true }));
    return d.signal.reason === ABORT_REASON.shutdown ? { kind: "release" } : { kind: "done" };
  });
}

describe("servicebus engine: SDK errors keep the loops alive", () => {
  it("keeps consuming through ServiceTimeout, SessionCannotBeLocked and communication errors", async () => {
    const bus = newBus();
    const queue = await track(fakeEngine(bus, { maxConcurrentSessions: 1 }));
    const recorder = createRecorder();
    for (const code of [
      "ServiceTimeout",
      "SessionCannotBeLocked",
      "ServiceCommunicationProblem",
      "ServiceBusy",
    ] as const)
      bus.failNext("acceptNextSession", serviceBusError(code));
    bus.failNext("receiveMessages", serviceBusError("ServiceCommunicationProblem"));
    await enqueueMany(queue, ["a", "b"], 3);
    await queue.start(recorder.processor());
    await waitUntil(() => recorder.runs.filter((r) => r.ended).length === 6, "all six tasks ran");

    expect(recorder.startsOf("a")).toEqual(["a-1", "a-2", "a-3"]);
    expect(recorder.startsOf("b")).toEqual(["b-1", "b-2", "b-3"]);
  });

  it("survives a lost session lock: the task is delivered again (at least once) and order holds", async () => {
    const bus = newBus();
    // One loop: with two, the other loop could take the released session while a-1 still runs here,
    // which is the real at-least-once hazard of a lapsed lock (see docs/servicebus.md).
    const queue = await track(fakeEngine(bus, { maxConcurrentSessions: 1 }));
    const recorder = createRecorder();
    let lost = false;
    recorder.behave((d) => {
      if (d.taskId === "a-1" && !lost) lost = bus.loseSessionLock(QUEUE, "a"); // the lock lapses mid-task
      return undefined;
    });
    await enqueueMany(queue, ["a"], 2);
    await queue.start(recorder.processor());
    await waitUntil(() => recorder.runs.filter((r) => r.ended).length === 3, "a-1 twice, then a-2");

    expect(lost).toBe(true);
    expect(recorder.runs.map((r) => [r.taskId, r.deliveryCount])).toEqual([
      ["a-1", 1],
      ["a-1", 2],
      ["a-2", 1],
    ]);
    expect(recorder.overlaps()).toEqual([]);
    await waitUntil(() => Object.keys(bus.pending(QUEUE)).length === 0, "the queue drained");
  });

  it("survives a failed completion: the message comes back and runs again", async () => {
    const bus = newBus();
    const queue = await track(fakeEngine(bus, { maxConcurrentSessions: 1 }));
    const recorder = createRecorder();
    bus.failNext("completeMessage", serviceBusError("ServiceCommunicationProblem"));
    await queue.enqueue({ taskId: "t1", entityId: "e" });
    await queue.start(recorder.processor());
    await waitUntil(() => Object.keys(bus.pending(QUEUE)).length === 0, "the message was completed");

    expect(recorder.runs.map((r) => [r.taskId, r.deliveryCount])).toEqual([
      ["t1", 1],
      ["t1", 2],
    ]);
  });

  it("releases a session that failed before backing off, so another loop takes the entity at once", async () => {
    const bus = newBus();
    const queue = await track(
      fakeEngine(bus, {
        maxConcurrentSessions: 2,
        errorBackoff: { baseMs: 600_000, maxMs: 600_000 },
        random: () => 1,
      }),
    );
    const recorder = createRecorder();
    bus.failNext("completeMessage", serviceBusError("ServiceCommunicationProblem"));
    await queue.enqueue({ taskId: "t1", entityId: "e" });
    await queue.start(recorder.processor());
    await waitUntil(() => Object.keys(bus.pending(QUEUE)).length === 0, "the other loop completed t1");

    expect(recorder.runs.map((r) => r.deliveryCount)).toEqual([1, 2]);
  });

  it("keeps retrying when the queue does not exist, and starts once it does", async () => {
    const bus = createFakeServiceBus({ acceptTimeoutMs: 10 });
    const queue = await track(fakeEngine(bus));
    const recorder = createRecorder();
    await queue.start(recorder.processor());
    await new Promise((resolve) => setTimeout(resolve, 30)); // loops hit MessagingEntityNotFound meanwhile
    bus.addQueue(QUEUE);
    await queue.enqueue({ taskId: "t1", entityId: "e" });
    await waitUntil(() => recorder.runs.filter((r) => r.ended).length === 1, "the task ran");
  });
});

describe("servicebus engine: stop and close", () => {
  it("lets a running delivery finish within the grace period and takes no new session", async () => {
    const bus = newBus();
    const queue = await track(fakeEngine(bus));
    const recorder = createRecorder();
    let finish: () => void = () => undefined;
    recorder.behave(
      (d) =>
        new Promise((resolve) => {
          finish = () => resolve(d.signal.aborted ? { kind: "release" } : { kind: "done" });
        }),
    );
    await queue.enqueue({ taskId: "t1", entityId: "e" });
    await queue.start(recorder.processor());
    await waitUntil(() => recorder.runs.length === 1, "t1 runs");
    const stopped = queue.stop(60_000);
    await queue.enqueue({ taskId: "t2", entityId: "other" });
    finish();
    await stopped;

    expect(recorder.runs).toEqual([expect.objectContaining({ taskId: "t1", ended: true })]);
    expect(recorder.runs[0]?.abortReason).toBeUndefined();
    expect(bus.pending(QUEUE)).toEqual({ other: ["t2"] });
    expect(bus.openReceivers).toBe(0);
  });

  it("aborts a delivery still running after the grace period with reason shutdown and hands it back", async () => {
    const bus = newBus();
    const queue = await track(fakeEngine(bus));
    const recorder = createRecorder();
    holdUntilAborted(recorder, "a-1");
    await enqueueMany(queue, ["a"], 2);
    await queue.start(recorder.processor());
    await waitUntil(() => recorder.runs.length === 1, "a-1 runs");
    await queue.stop(10);

    expect(recorder.runs[0]).toMatchObject({ taskId: "a-1", abortReason: ABORT_REASON.shutdown });
    expect(bus.pending(QUEUE)).toEqual({ a: ["a-1", "a-2"] });

    // Another worker picks the entity up where it was left.
    const next = await track(fakeEngine(bus));
    recorder.behave(() => undefined);
    await next.start(recorder.processor("w2"));
    await waitUntil(() => Object.keys(bus.pending(QUEUE)).length === 0, "the other worker drained it");
    expect(recorder.startsOf("a")).toEqual(["a-1", "a-1", "a-2"]);
    expect(recorder.runs[1]).toMatchObject({ worker: "w2", deliveryCount: 2 });
  });

  it("hands back a task waiting for its retry at once on stop", async () => {
    const bus = newBus();
    const queue = await track(fakeEngine(bus));
    const recorder = createRecorder();
    recorder.behave(() => ({ kind: "retry", delayMs: 600_000 }));
    await queue.enqueue({ taskId: "t1", entityId: "e" });
    await queue.start(recorder.processor());
    await waitUntil(() => recorder.runs.filter((r) => r.ended).length === 1, "the first attempt ended");
    await queue.stop(60_000);

    expect(bus.pending(QUEUE)).toEqual({ e: ["t1"] });
    expect(bus.openReceivers).toBe(0);
  });

  it("close aborts running work, releases its sessions and closes the sender and the client", async () => {
    const bus = newBus();
    const queue = await fakeEngine(bus);
    const recorder = createRecorder();
    holdUntilAborted(recorder, "t1");
    await queue.enqueue({ taskId: "t1", entityId: "e" });
    await queue.start(recorder.processor());
    await waitUntil(() => recorder.runs.length === 1, "t1 runs");
    await queue.close();

    expect(recorder.runs[0]?.abortReason).toBe(ABORT_REASON.shutdown);
    expect(bus.openReceivers).toBe(0);
    expect(bus.senderClosed).toBe(true);
    expect(bus.clientClosed).toBe(true);
    expect(bus.pending(QUEUE)).toEqual({ e: ["t1"] });
    await expect(queue.start(recorder.processor())).rejects.toThrow(/closed/);
  });
});

describe("servicebus engine: what a process can know", () => {
  it("reports a task it runs at position 0 and in the snapshot; a waiting one as held but without a position", async () => {
    const bus = newBus();
    const queue = await track(fakeEngine(bus, { maxConcurrentSessions: 1 }));
    const recorder = createRecorder();
    holdUntilAborted(recorder, "a-1");
    await enqueueMany(queue, ["a"], 2);
    await queue.start(recorder.processor());
    await waitUntil(() => recorder.runs.length === 1, "a-1 runs");

    expect(await queue.positionOf("a-1")).toBe(0);
    expect(await queue.has("a-1")).toBe(true);
    expect(await queue.has("a-2")).toBe(true);
    expect(await queue.positionOf("a-2")).toBeNull();
    expect(await queue.snapshot()).toEqual([
      { entityId: "a", depth: 1, runningTaskId: "a-1", pendingTaskIds: [] },
    ]);

    await queue.abort("a-1");
    await waitUntil(() => Object.keys(bus.pending(QUEUE)).length === 0, "both tasks finished");
    expect(await queue.has("a-1")).toBe(false);
    expect(await queue.positionOf("a-1")).toBeNull();
    expect(await queue.snapshot()).toEqual([]);
  });

  it("does not claim a task another process sent, so the reconciler may publish it again", async () => {
    const bus = newBus();
    const api = await track(fakeEngine(bus));
    const worker = await track(fakeEngine(bus));
    await api.enqueue({ taskId: "t1", entityId: "e" });

    expect(await api.has("t1")).toBe(true);
    expect(await worker.has("t1")).toBe(false);
  });

  it("pings by opening the sender link, and fails when the queue is missing or the namespace is silent", async () => {
    const bus = newBus();
    const queue = await track(fakeEngine(bus, { pingTimeoutMs: 20 }));
    await expect(queue.ping()).resolves.toBeUndefined();

    const missing = await track(fakeEngine(bus, { queueName: "nope", pingTimeoutMs: 20 }));
    await expect(missing.ping()).rejects.toMatchObject({ code: "MessagingEntityNotFound" });

    bus.setUnreachable(true);
    await expect(queue.ping()).rejects.toThrow(/did not answer within 20 ms/);
  });
});

describe("servicebus engine: wiring", () => {
  it("is built by createQueue from the configuration's connection string and queue name", async () => {
    const bus = createFakeServiceBus({ acceptTimeoutMs: 10 });
    bus.addQueue("ops-tasks");
    const config = loadConfig({
      AZURE_SERVICEBUS_CONNECTION_STRING:
        "Endpoint=sb://ops.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=x",
      AZURE_SERVICEBUS_QUEUE: "ops-tasks",
    });
    const queue = await track(
      createQueue(
        {
          engine: config.queue.engine,
          maxConcurrentSessions: config.maxConcurrentSessions,
          maxMessagesPerSession: config.maxMessagesPerSession,
          prefix: "unused",
          serviceBusConnectionString: config.queue.serviceBusConnectionString,
          serviceBusQueue: config.queue.serviceBusQueue,
          serviceBusConnect: bus.connect,
        },
        silentLogger,
      ),
    );
    await queue.enqueue({ taskId: "t1", entityId: "prod/api" });

    expect(queue.kind).toBe("servicebus");
    expect(bus.connectionStrings).toEqual([
      "Endpoint=sb://ops.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=x",
    ]);
    expect(bus.pending("ops-tasks")).toEqual({ "prod/api": ["t1"] });
  });

  it("creates the queue with sessions when missing and refuses an existing queue without sessions", async () => {
    const bus = createFakeServiceBus();
    expect(await ensureServiceBusQueue(bus.admin, "fresh")).toBe("created");
    expect(await bus.admin.getQueue("fresh")).toEqual({ requiresSession: true });
    expect(await ensureServiceBusQueue(bus.admin, "fresh")).toBe("exists");

    bus.addQueue("plain", false);
    await expect(ensureServiceBusQueue(bus.admin, "plain")).rejects.toThrow(/without sessions/);
  });
});
