import type { Stores } from "../../db/stores/index";
import type { Journal } from "../../domain/journal";
import { isExpired } from "../../domain/model/approval";
import { MAX_PAGE_SIZE } from "../../domain/model/limits";
import type { TaskQueue } from "../../domain/queue-port";
import type { Logger } from "../../platform/logger";
import { createPeriodicJob } from "../../platform/periodic-job";
import { expireApproval } from "./approval-gate";

/**
 * Cancels tasks whose approval request lapsed (APPROVAL_TTL_MINUTES) and frees their lane. The
 * parked delivery would see the deadline too, but only where it runs; this job does it from any
 * worker process, also for a task whose delivery is held by a process that is gone.
 */
export function createApprovalExpiry(deps: {
  stores: Stores;
  journal: Journal;
  queue: TaskQueue;
  logger: Logger;
  intervalMs?: number;
  clock?: () => Date;
}) {
  async function runDue(): Promise<number> {
    const now = deps.clock?.() ?? new Date();
    let expired = 0;
    let cursor: string | null = null;
    do {
      const page = await deps.stores.tasks.list({
        status: "awaiting_approval",
        limit: MAX_PAGE_SIZE,
        cursor,
      });
      for (const task of page.items) {
        if (!task.approval || !isExpired(task.approval, now)) continue;
        if (!(await expireApproval(deps.journal, task, now))) continue;
        expired++;
        const removed = await deps.queue.remove(task.id).catch(() => false);
        if (!removed) await deps.queue.abort(task.id).catch(() => undefined);
      }
      cursor = page.nextCursor;
    } while (cursor);
    if (expired > 0) deps.logger.info("approval requests expired", { expired });
    return expired;
  }

  const job = createPeriodicJob({
    intervalMs: deps.intervalMs ?? 30_000,
    runOnStart: true,
    pass: runDue,
    onError: (error) => {
      deps.logger.warn("approval expiry pass failed", { error });
      return 0;
    },
  });

  return { runDue: () => job.runOnce(), start: () => job.start(), stop: () => job.stop() };
}
