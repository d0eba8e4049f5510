import type { Stores } from "../../db/stores/index";
import type { TaskQueue } from "../../domain/queue-port";
import type { Logger } from "../../platform/logger";
import { createPeriodicJob } from "../../platform/periodic-job";

/**
 * Re-publishes unfinished tasks the queue does not hold: a crash between writing the task row and
 * publishing it, a Redis that lost its data, or (memory engine) a process restart. Runs on start
 * (everything) and then periodically (tasks untouched for `staleAfterMs`, so it never races a
 * submit that is still publishing). Oldest first, so entities keep their order.
 */
export function createReconciler(deps: {
  stores: Stores;
  queue: TaskQueue;
  logger: Logger;
  intervalMs?: number;
  staleAfterMs?: number;
}) {
  const intervalMs = deps.intervalMs ?? 15_000;
  const staleAfterMs = deps.staleAfterMs ?? 30_000;
  let fullScanRequested = false;

  async function pass(before: Date): Promise<number> {
    let republished = 0;
    const stale = await deps.stores.tasks.listStale(["running", "awaiting_approval", "queued"], before);
    // Running and parked tasks first: each was at the head of its entity when its worker died.
    const headFirst = (status: string) => (status === "queued" ? 1 : 0);
    stale.sort((a, b) => headFirst(a.status) - headFirst(b.status));
    for (const task of stale) {
      if (await deps.queue.has(task.id)) continue;
      await deps.queue.enqueue({
        taskId: task.id,
        entityId: task.entityId,
        traceparent: task.traceContext ?? undefined,
      });
      republished++;
    }
    if (republished > 0) deps.logger.info("reconciler re-published tasks", { republished });
    return republished;
  }

  // One job for both kinds of pass, so they never overlap; a full scan asked for during a periodic
  // pass runs right after it.
  const job = createPeriodicJob({
    intervalMs,
    rerunAfterCurrent: true,
    pass: () => {
      const full = fullScanRequested;
      fullScanRequested = false;
      return pass(new Date(full ? Date.now() + 1000 : Date.now() - staleAfterMs));
    },
    onError: (error) => {
      deps.logger.warn("reconciler pass failed", { error });
      return 0;
    },
  });

  return {
    /** One pass over every unfinished task; used at start-up. */
    reconcileAll: () => {
      fullScanRequested = true;
      return job.runOnce();
    },
    reconcileStale: () => job.runOnce(),
    start: () => job.start(),
    stop: () => job.stop(),
  };
}
