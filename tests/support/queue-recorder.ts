import type { Delivery, Processor, ProcessResult } from "../../domain/queue-port";

export interface DeliveryRecord {
  event: "start" | "end";
  taskId: string;
  entityId: string;
  deliveryCount: number;
  /** Which engine instance (worker) ran it, when a test runs several. */
  worker: string;
  /** The abort reason the delivery saw, if its signal fired. */
  abortReason?: string;
}

export type Behaviour = (
  delivery: Delivery,
) => Promise<ProcessResult | undefined> | ProcessResult | undefined;

/**
 * A processor that logs the start and end of every delivery (in real time, across every engine
 * instance of a test) and tracks how many run at once. `behaviour` may hold a delivery or answer
 * retry/release; by default a delivery sleeps `holdMs` and answers done.
 */
export function createRecorder(holdMs = 10) {
  const log: DeliveryRecord[] = [];
  let running = 0;
  let maxRunning = 0;
  let behaviour: Behaviour = () => undefined;

  function processor(worker = "w1"): Processor {
    return async (delivery) => {
      const base = {
        taskId: delivery.taskId,
        entityId: delivery.entityId,
        deliveryCount: delivery.deliveryCount,
        worker,
      };
      log.push({ event: "start", ...base });
      running++;
      maxRunning = Math.max(maxRunning, running);
      try {
        const answer = await behaviour(delivery);
        if (!answer) await new Promise((r) => setTimeout(r, holdMs));
        return answer ?? { kind: "done" };
      } finally {
        running--;
        const abortReason = delivery.signal.aborted ? String(delivery.signal.reason) : undefined;
        log.push({ event: "end", ...base, ...(abortReason ? { abortReason } : {}) });
      }
    };
  }

  return {
    log,
    processor,
    get maxRunning() {
      return maxRunning;
    },
    behave(next: Behaviour) {
      behaviour = next;
    },
    /** Task ids in the order their deliveries started (repeats included). */
    starts(entityId?: string): string[] {
      return log
        .filter((r) => r.event === "start" && (!entityId || r.entityId === entityId))
        .map((r) => r.taskId);
    },
    ends(taskId?: string): DeliveryRecord[] {
      return log.filter((r) => r.event === "end" && (!taskId || r.taskId === taskId));
    },
    /** The largest number of deliveries of one entity that overlapped (1 means never two at once). */
    maxOverlapPerEntity(): number {
      const open = new Map<string, number>();
      let max = 0;
      for (const r of log) {
        const now = (open.get(r.entityId) ?? 0) + (r.event === "start" ? 1 : -1);
        open.set(r.entityId, now);
        max = Math.max(max, now);
      }
      return max;
    },
  };
}

export type Recorder = ReturnType<typeof createRecorder>;

/** Polls until `check` is true; throws with `what` after `timeoutMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A promise with its resolve function, to hold a delivery until the test lets it go. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
