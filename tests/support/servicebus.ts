import { afterEach } from "vitest";
import type { Delivery, Processor, ProcessResult, QueueItem, TaskQueue } from "../../domain/queue-port";
import { silentLogger } from "../../platform/logger";
import {
  createServiceBusQueue,
  type ServiceBusQueueOptions,
} from "../../worker/queue/servicebus/servicebus-engine";
import { createFakeServiceBus, type FakeServiceBus } from "../doubles/fake-service-bus";

/** Helpers shared by the Service Bus engine suites (not a test file itself). */

export const QUEUE = "cloudops-tasks-test";

export interface Run {
  taskId: string;
  entityId: string;
  deliveryCount: number;
  worker: string;
  /** Set when the delivery ended; the abort reason its signal carried, if any. */
  ended: boolean;
  abortReason?: string;
}

export type Script = (delivery: Delivery) => Promise<ProcessResult | undefined> | ProcessResult | undefined;

/** A processor that records every delivery in start order and how many ran at once. */
export function createRecorder() {
  const runs: Run[] = [];
  const timeline: Array<{ event: "start" | "end"; taskId: string; entityId: string }> = [];
  let running = 0;
  let peak = 0;
  let script: Script = () => undefined;

  function processor(worker = "w1"): Processor {
    return async (delivery) => {
      const run: Run = { ...pick(delivery), deliveryCount: delivery.deliveryCount, worker, ended: false };
      runs.push(run);
      timeline.push({ event: "start", ...pick(delivery) });
      running++;
      peak = Math.max(peak, running);
      try {
        const answer = await script(delivery);
        if (!answer) await new Promise((resolve) => setTimeout(resolve, 2));
        return answer ?? { kind: "done" };
      } finally {
        running--;
        run.ended = true;
        if (delivery.signal.aborted) run.abortReason = String(delivery.signal.reason);
        timeline.push({ event: "end", ...pick(delivery) });
      }
    };
  }

  return {
    runs,
    timeline,
    processor,
    behave(next: Script) {
      script = next;
    },
    get peak() {
      return peak;
    },
    /** Task ids in the order their deliveries started, for one entity. */
    startsOf(entityId: string): string[] {
      return runs.filter((r) => r.entityId === entityId).map((r) => r.taskId);
    },
    /** Pairs of deliveries of one entity that were running at the same time. */
    overlaps(): string[] {
      const open = new Map<string, string>();
      const found: string[] = [];
      for (const e of timeline) {
        const current = open.get(e.entityId);
        if (e.event === "start") {
          if (current) found.push(`${current} & ${e.taskId}`);
          open.set(e.entityId, e.taskId);
        } else if (current === e.taskId) open.delete(e.entityId);
      }
      return found;
    },
  };
}

function pick(item: QueueItem): QueueItem {
  return { taskId: item.taskId, entityId: item.entityId };
}

/** Polls until `check` holds (a test fails by its own timeout if it never does). */
export async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** An engine on a fake namespace, tuned for fast tests (short idle wait, tiny error backoff). */
export async function fakeEngine(
  bus: FakeServiceBus,
  options: Partial<ServiceBusQueueOptions> = {},
): Promise<TaskQueue> {
  return createServiceBusQueue(
    {
      maxConcurrentSessions: 2,
      maxMessagesPerSession: 10,
      connectionString: "Endpoint=sb://fake.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=x",
      queueName: QUEUE,
      connect: bus.connect,
      sessionIdleMs: 5,
      errorBackoff: { baseMs: 1, maxMs: 5 },
      ...options,
    },
    silentLogger,
  );
}

export function newBus(): FakeServiceBus {
  const bus = createFakeServiceBus({ acceptTimeoutMs: 10 });
  bus.addQueue(QUEUE);
  return bus;
}

/** Enqueues `count` tasks per entity, interleaved: a1 b1 a2 b2 ... */
export async function enqueueMany(queue: TaskQueue, entities: string[], count: number): Promise<QueueItem[]> {
  const items: QueueItem[] = [];
  for (let n = 1; n <= count; n++) {
    for (const entityId of entities) {
      const item = { taskId: `${entityId}-${n}`, entityId };
      await queue.enqueue(item);
      items.push(item);
    }
  }
  return items;
}

/** Returns `track(queuePromise)`: every tracked queue is closed after each test of the calling suite. */
export function closeAfterEach(): (queue: Promise<TaskQueue>) => Promise<TaskQueue> {
  const open: TaskQueue[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((q) => q.close()));
  });
  return async (queue) => {
    const q = await queue;
    open.push(q);
    return q;
  };
}
