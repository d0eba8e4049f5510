import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../../../platform/logger";
import { createPeriodicJob } from "../../../platform/periodic-job";
import type { FifoStore, HeadRef } from "./fifo-store";
import { headJobId } from "./keys";

/**
 * Re-adds the BullMQ job of any head that has none: a process that died between the enqueue (or pop)
 * script and `queue.add`, or a job BullMQ gave up on. Adding is idempotent (deterministic jobId), so
 * racing the normal path is harmless; a job added for a head that has just finished is skipped by the
 * processor's head check.
 */
export function createSweep(deps: {
  fifo: FifoStore;
  redis: Redis;
  queue: Queue;
  addHeadJob: (ref: HeadRef) => Promise<void>;
  logger: Logger;
  intervalMs: number;
}) {
  async function pass(): Promise<number> {
    const heads = await deps.fifo.heads();
    const pipeline = deps.redis.pipeline();
    for (const ref of heads) pipeline.exists(deps.queue.toKey(headJobId(ref.entityId, ref.seq)));
    const exists = (await pipeline.exec()) ?? [];
    let readded = 0;
    for (const [i, ref] of heads.entries()) {
      if (exists[i]?.[1] === 1) continue;
      await deps.addHeadJob(ref);
      readded++;
    }
    if (readded > 0) deps.logger.warn("queue sweep re-added missing head jobs", { readded });
    return readded;
  }

  return createPeriodicJob({
    intervalMs: deps.intervalMs,
    pass,
    onError: (error) => {
      deps.logger.warn("queue sweep failed", { error });
      return 0;
    },
  });
}
