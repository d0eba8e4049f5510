import { randomUUID } from "node:crypto";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { QueueItem } from "../../../domain/queue-port";
import type { Logger } from "../../../platform/logger";
import { createPeriodicJob } from "../../../platform/periodic-job";
import type { FifoStore, HeadRef } from "./fifo-store";
import type { FifoKeys } from "./keys";

/** How long a process's "still handing back" entry lives without renewal. */
const DRAINING_TTL_MS = 5000;
/** The longest the rebuilding process waits for the others to hand their deliveries back. */
const MAX_DRAIN_WAIT_MS = 30_000;

/**
 * Watches for Redis losing the FIFO lanes (a restart without persistence, FLUSHALL) and rebuilds them
 * from the database, the source of truth, before the workers take new work:
 *
 * 1. Detect: the epoch key is missing or not the value this process saw last (checked every
 *    `checkMs` and on every reconnect). Meanwhile enqueues are deferred by the enqueue script, so a
 *    new submission cannot become head ahead of its entity's older tasks.
 * 2. Each worker process stops fetching, hands its running deliveries back (abort reason `requeue`;
 *    the runner saves the step as pending) and says so in a `draining` set until it is idle: a
 *    delivery from before the loss would otherwise run beside its own rebuilt job and beside the
 *    new global cap.
 * 3. One process (a lock) waits until no process is draining (and at least two check periods, so
 *    every process had its chance to see the loss), re-applies the global concurrency, enqueues every
 *    queued/running task in queue order (running first: each was its entity's head), then appends
 *    the deferred items and sets a new epoch in one script.
 * 4. Every process resumes once it sees the new epoch; the global concurrency is applied again.
 */
export function createLaneKeeper(deps: {
  redis: Redis;
  keys: FifoKeys;
  fifo: FifoStore;
  queue: Queue;
  addHeadJob: (ref: HeadRef) => Promise<void>;
  maxConcurrentSessions: number;
  /** The unfinished tasks, running first, then queued in queue order (the database). */
  unfinished: () => Promise<(QueueItem & { status?: string })[]>;
  /** Stops fetching and hands running deliveries back; resolves once this process runs nothing. */
  drainLocal: () => Promise<void>;
  resumeLocal: () => void;
  checkMs: number;
  logger: Logger;
}) {
  const { redis, keys, fifo, logger } = deps;
  const processId = randomUUID();
  let known: string | null = null;
  let recovering: Promise<void> | null = null;
  let lastRecoveryMs: number | null = null;

  async function check(): Promise<number> {
    const epoch = await fifo.epoch();
    if (epoch !== null && epoch === known) return 0;
    if (epoch !== null && known === null) {
      // First look of this process: the lanes are intact (another process built them).
      known = epoch;
      return 0;
    }
    recovering ??= recover().finally(() => {
      recovering = null;
    });
    await recovering;
    return 1;
  }

  async function recover(): Promise<void> {
    const detectedAt = Date.now();
    logger.warn("queue lanes missing in Redis (data lost); rebuilding them from the database");
    const mark = () => redis.zadd(keys.draining, Date.now() + DRAINING_TTL_MS, processId);
    await mark();
    const renew = setInterval(() => void mark().catch(() => undefined), DRAINING_TTL_MS / 3);
    try {
      await deps.drainLocal();
    } finally {
      clearInterval(renew);
    }
    await redis.zrem(keys.draining, processId);
    for (;;) {
      const epoch = await fifo.epoch();
      if (epoch !== null && epoch !== known) {
        known = epoch; // another process rebuilt the lanes
        break;
      }
      if (await redis.set(keys.rebuildLock, processId, "PX", 60_000, "NX")) {
        try {
          await waitForOthers(detectedAt);
          known = await rebuild();
        } finally {
          if ((await redis.get(keys.rebuildLock)) === processId) await redis.del(keys.rebuildLock);
        }
        break;
      }
      await sleep(100);
    }
    await ensureGlobalConcurrency(deps.queue, deps.maxConcurrentSessions);
    deps.resumeLocal();
    lastRecoveryMs = Date.now() - detectedAt;
    logger.warn("queue lanes rebuilt; taking work again", { recoveryMs: lastRecoveryMs });
  }

  async function waitForOthers(detectedAt: number): Promise<void> {
    const earliest = detectedAt + 2 * deps.checkMs;
    const latest = detectedAt + MAX_DRAIN_WAIT_MS;
    // Entries of processes that died while draining stay behind with a past expiry: drop them.
    await redis.zremrangebyscore(keys.draining, "-inf", Date.now());
    for (;;) {
      const now = Date.now();
      const draining = await redis.zcount(keys.draining, now, "+inf");
      if ((draining === 0 && now >= earliest) || now >= latest) return;
      await sleep(50);
    }
  }

  async function rebuild(): Promise<string> {
    await ensureGlobalConcurrency(deps.queue, deps.maxConcurrentSessions);
    // Running tasks first (each was the head of its entity when the data went), then queued ones in
    // the order they were queued: the database gives them in that order.
    const ordered = await deps.unfinished();
    let heads = 0;
    for (const item of ordered) {
      // A head's job is added by the enqueue script itself.
      if (typeof (await fifo.enqueue(item.taskId, item.entityId, { force: true })) === "object") heads++;
    }
    const epoch = randomUUID();
    const deferredHeads = await fifo.restoreEpoch(epoch);
    for (const ref of deferredHeads) await deps.addHeadJob(ref);
    logger.warn("queue lanes rebuilt from the database", {
      tasks: ordered.length,
      heads: heads + deferredHeads.length,
    });
    return epoch;
  }

  const job = createPeriodicJob({
    intervalMs: deps.checkMs,
    pass: check,
    onError: (error) => {
      logger.warn("queue lane check failed", { error });
      return 0;
    },
  });

  return {
    /** Checks now (start, reconnect); resolves once any rebuild it started is done. */
    check: () => job.runOnce(),
    start: () => job.start(),
    stop: () => job.stop(),
    /** Milliseconds from detecting the last loss to taking work again (for logs and tests). */
    lastRecoveryMs: () => lastRecoveryMs,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Applies the global concurrency when Redis does not hold one (a fresh Redis, or one that lost its
 * data): a value someone set stays, as `setGlobalConcurrency` on open is last-writer-wins.
 */
export async function ensureGlobalConcurrency(queue: Queue, limit: number): Promise<void> {
  if ((await queue.getGlobalConcurrency()) === null) await queue.setGlobalConcurrency(limit);
}
