import { afterEach, describe, expect, it } from "vitest";
import type { TaskQueue } from "../../domain/queue-port";
import { silentLogger } from "../../platform/logger";
import { waitUntil } from "../../tests/support/queue-recorder";
import { createMemoryQueue } from "./memory-engine";

/** What a request handler does after its call to the queue: a few more awaits, then it answers. */
async function answerAfterAwaits(order: string[]): Promise<void> {
  for (let step = 0; step < 20; step++) await Promise.resolve();
  order.push("answered");
}

const newQueue = () =>
  createMemoryQueue({ maxConcurrentSessions: 4, maxMessagesPerSession: 4 }, silentLogger);

describe("memory engine", () => {
  let queue: TaskQueue | null = null;
  afterEach(async () => {
    await queue?.close();
    queue = null;
  });

  it("starts a delivery after the enqueuing turn, not inside it: the submitting request answers first", async () => {
    queue = newQueue();
    const order: string[] = [];
    await queue.start(async (delivery) => {
      order.push(`delivered ${delivery.taskId}`);
      return { kind: "done" };
    });
    for (const taskId of ["t1", "t2"]) await queue.enqueue({ entityId: `env/${taskId}`, taskId });
    await answerAfterAwaits(order);
    await waitUntil(() => order.length === 3, "both items were delivered");
    expect(order).toEqual(["answered", "delivered t1", "delivered t2"]);
  });

  it("aborts a running delivery after the turn of the abort: the cancelling request answers first", async () => {
    queue = newQueue();
    const order: string[] = [];
    let running = false;
    await queue.start(
      (delivery) =>
        new Promise((resolve) => {
          running = true;
          delivery.signal.addEventListener("abort", () => {
            order.push(`aborted (${String(delivery.signal.reason)})`);
            resolve({ kind: "done" });
          });
        }),
    );
    await queue.enqueue({ entityId: "env/a", taskId: "long" });
    await waitUntil(() => running, "the item is running");
    await queue.abort("long");
    await answerAfterAwaits(order);
    await waitUntil(() => order.length === 2, "the delivery was aborted");
    expect(order).toEqual(["answered", "aborted (cancelled)"]);
  });

  it("delivers the next item after the turn of a removal: the cancelling request answers first", async () => {
    queue = newQueue();
    const order: string[] = [];
    await queue.start(async (delivery) => {
      order.push(`delivered ${delivery.taskId}`);
      // The head fails once and waits a long backoff; the one behind it waits for the head.
      return delivery.taskId === "head" ? { kind: "retry", delayMs: 60_000 } : { kind: "done" };
    });
    await queue.enqueue({ entityId: "env/a", taskId: "head" });
    await queue.enqueue({ entityId: "env/a", taskId: "next" });
    await waitUntil(() => order.length === 1, "the head was delivered once");
    // Cancelling the head while it waits for its retry frees the lane for the next item.
    expect(await queue.remove("head")).toBe(true);
    await answerAfterAwaits(order);
    await waitUntil(() => order.length === 3, "the next item was delivered");
    expect(order).toEqual(["delivered head", "answered", "delivered next"]);
  });
});
