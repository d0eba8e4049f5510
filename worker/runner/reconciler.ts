import type { Stores } from "../../db/stores/index";
import type { TaskQueue } from "../../domain/queue-port";
import type { Logger } from "../../platform/logger";

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
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;

  async function pass(before: Date): Promise<number> {
    let republished = 0;
    const stale = await deps.stores.tasks.listStale(["running", "queued"], before);
    // Running tasks first: each was at the head of its entity when its worker died.
    stale.sort((a, b) => (a.status === b.status ? 0 : a.status === "running" ? -1 : 1));
    for (const task of stale) {
      if (await deps.queue.has(task.id)) continue;
      await deps.queue.enqueue({ taskId: task.id, entityId: task.entityId });
      republished++;
    }
    if (republished > 0) deps.logger.info("reconciler re-published tasks", { republished });
    return republished;
  }

  function runOnce(before: Date): Promise<number> {
    running ??= pass(before)
      .catch((error) => {
        deps.logger.warn("reconciler pass failed", { error });
        return 0;
      })
      .finally(() => {
        running = null;
      });
    return running;
  }

  return {
    /** One pass over every unfinished task; used at start-up. */
    reconcileAll: () => runOnce(new Date(Date.now() + 1000)),
    reconcileStale: () => runOnce(new Date(Date.now() - staleAfterMs)),
    start() {
      timer ??= setInterval(() => void runOnce(new Date(Date.now() - staleAfterMs)), intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
