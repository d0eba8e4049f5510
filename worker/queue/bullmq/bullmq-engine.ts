import { DelayedError, type Job, Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import {
  ABORT_REASON,
  type EntityQueueState,
  type Processor,
  type ProcessResult,
  type QueueOptions,
  type TaskQueue,
} from "../../../domain/queue-port";
import type { Logger } from "../../../platform/logger";
import { openRedis } from "../../../platform/redis";
import { createAbortChannel } from "./abort-channel";
import { createFifoStore, type HeadRef } from "./fifo-store";
import { fifoKeys, headJobId } from "./keys";
import { createSweep } from "./sweep";

/**
 * Crash recovery timing: a worker that dies (SIGKILL) stops renewing the lock of its jobs. After at
 * most LOCK_DURATION_MS the lock expires, and the next stalled check (every STALLED_INTERVAL_MS, run
 * by every live worker) moves the job back to wait: redelivery within ~15 s, well inside 30 s.
 */
export const LOCK_DURATION_MS = 10_000;
export const STALLED_INTERVAL_MS = 5_000;
export const SWEEP_INTERVAL_MS = 5_000;

/** `traceparent` rides along when the enqueuing call made the head job itself (else the task row has it). */
type JobData = HeadRef & { traceparent?: string };

/**
 * BullMQ engine with strict FIFO per entity (BullMQ groups are a paid feature). Redis holds each
 * entity's lane (pending list, head key; see scripts.ts) and only the head of a lane is a BullMQ job,
 * so BullMQ can never run two items of one entity at once, on any number of processes. The global cap
 * is Worker concurrency plus `queue.setGlobalConcurrency`.
 *
 * MAX_MESSAGES_PER_SESSION: an entity has at most one job in BullMQ at a time and the job of its next
 * item is added at the back of the wait list when the head finishes, so waiting entities take turns
 * one item each (round-robin). That is the tightest form of the bound: at most 1 <= maxMessagesPerSession
 * items of an entity run back to back while another entity waits. The option therefore needs no code here.
 */
export async function createBullmqQueue(
  options: QueueOptions & { redisUrl: string; prefix: string },
  logger: Logger,
): Promise<TaskQueue> {
  const keys = fifoKeys(options.prefix);
  const redis = openRedis(options.redisUrl, "bullmq");
  redis.on("error", (error) => logger.warn("queue redis error", { error }));
  const fifo = createFifoStore(redis, keys);
  const queue = new Queue<JobData>(keys.queueName, {
    connection: redis,
    prefix: keys.bullPrefix,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
  });
  queue.on("error", (error) => logger.warn("bullmq queue error", { error }));
  await queue.setGlobalConcurrency(options.maxConcurrentSessions);
  const abortChannel = createAbortChannel({ publisher: redis, channel: keys.abortChannel, logger });
  const controllers = new Map<string, AbortController>();
  let worker: Worker<JobData> | null = null;
  let workerRedis: Redis | null = null;

  async function addHeadJob(ref: JobData): Promise<void> {
    await queue.add("task", ref, { jobId: headJobId(ref.entityId, ref.seq) });
  }
  const sweep = createSweep({ fifo, redis, queue, addHeadJob, logger, intervalMs: SWEEP_INTERVAL_MS });

  /** Pops the head and adds the next item's job. `lock`: only while this delivery holds the job. */
  async function finish(ref: HeadRef, lock: { key: string; token: string } | null): Promise<void> {
    const { popped, next } = await fifo.popHead(ref, lock);
    if (!popped && lock) logger.warn("delivery lost its lock; the redelivery finishes the item", { ...ref });
    if (next) await addHeadJob(next);
  }

  function processWith(processor: Processor) {
    return async (job: Job<JobData>, token?: string): Promise<void> => {
      const ref = job.data;
      // A job left over from before a crash, or re-added by the sweep just as its item finished.
      if (!(await fifo.isHead(ref))) return;
      const controller = new AbortController();
      controllers.set(ref.taskId, controller);
      let result: ProcessResult;
      try {
        result = await processor({
          taskId: ref.taskId,
          entityId: ref.entityId,
          ...(ref.traceparent ? { traceparent: ref.traceparent } : {}),
          deliveryCount: Math.max(1, job.attemptsStarted),
          signal: controller.signal,
        });
      } catch (error) {
        // The processor handles its own failures; reaching here is a bug, so back off and redeliver.
        logger.error("queue processor threw", { taskId: ref.taskId, error });
        result = { kind: "retry", delayMs: 1000 };
      } finally {
        controllers.delete(ref.taskId);
      }
      if (result.kind === "done") {
        const jobId = job.id ?? headJobId(ref.entityId, ref.seq);
        return finish(ref, token ? { key: `${queue.toKey(jobId)}:lock`, token } : null);
      }
      // retry and release keep the item at the head, so the entity stays blocked and order holds.
      const delayMs = result.kind === "retry" ? result.delayMs : 0;
      await job.moveToDelayed(Date.now() + delayMs, token);
      throw new DelayedError();
    };
  }

  async function stopWorker(graceMs: number): Promise<void> {
    await sweep.stop();
    const w = worker;
    worker = null;
    if (w) {
      const timer = setTimeout(() => {
        for (const c of controllers.values()) c.abort(ABORT_REASON.shutdown);
      }, graceMs);
      await w.close();
      clearTimeout(timer);
    }
    await abortChannel.close();
    await workerRedis?.quit().catch(() => undefined);
    workerRedis = null;
  }

  return {
    kind: "bullmq",

    async enqueue(item) {
      const result = await fifo.enqueue(item.taskId, item.entityId);
      if (typeof result === "object") {
        await addHeadJob(item.traceparent ? { ...result, traceparent: item.traceparent } : result);
      }
    },

    async remove(taskId) {
      const entityId = await fifo.entityOf(taskId);
      if (entityId === null) return false;
      const outcome = await fifo.removeWaiting(taskId, entityId);
      if (outcome !== "head") return outcome === "removed";
      // The head may go only while it is not running (waiting, or waiting for a retry).
      const head = await fifo.headOf(entityId);
      if (head?.taskId !== taskId) return false;
      const job = await queue.getJob(headJobId(entityId, head.seq));
      if (job) {
        if ((await job.getState()) === "active") return false;
        // Throws when a worker locked it in the meantime: then it runs and the runner sees the cancel.
        const removed = await job.remove().then(
          () => true,
          () => false,
        );
        if (!removed) return false;
      }
      const { popped, next } = await fifo.popHead(head, null);
      if (next) await addHeadJob(next);
      return popped;
    },

    async abort(taskId) {
      controllers.get(taskId)?.abort(ABORT_REASON.cancelled);
      await abortChannel.publish(taskId);
      const entityId = await fifo.entityOf(taskId);
      const head = entityId === null ? null : await fifo.headOf(entityId);
      if (!head || head.taskId !== taskId) return;
      // Waiting for a retry: deliver now so the runner sees the cancel request without the wait.
      const job = await queue.getJob(headJobId(head.entityId, head.seq));
      if (job && (await job.isDelayed())) await job.promote().catch(() => undefined);
    },

    async start(processor) {
      if (worker) return;
      await abortChannel.listen((taskId) => controllers.get(taskId)?.abort(ABORT_REASON.cancelled));
      workerRedis = openRedis(options.redisUrl, "bullmq");
      workerRedis.on("error", (error) => logger.warn("queue worker redis error", { error }));
      worker = new Worker<JobData>(keys.queueName, processWith(processor), {
        connection: workerRedis,
        prefix: keys.bullPrefix,
        concurrency: options.maxConcurrentSessions,
        lockDuration: LOCK_DURATION_MS,
        stalledInterval: STALLED_INTERVAL_MS,
        // A head must never be failed by BullMQ for stalling: it would block its entity. The
        // processor's head check makes every redelivery safe, so allow (practically) unlimited.
        maxStalledCount: 1_000_000,
      });
      worker.on("error", (error) => logger.warn("bullmq worker error", { error }));
      worker.on("failed", (job, error) =>
        logger.error("queue job failed; the sweep will re-add it", { jobId: job?.id, error }),
      );
      await sweep.runOnce();
      sweep.start();
    },

    stop: stopWorker,

    has: (taskId) => fifo.has(taskId),

    positionOf: (taskId) => fifo.positionOf(taskId),

    async snapshot(): Promise<EntityQueueState[]> {
      const lanes = await fifo.lanes();
      return Promise.all(
        lanes.map(async ({ entityId, taskIds }) => {
          const head = await fifo.headOf(entityId);
          const state = head ? await queue.getJobState(headJobId(entityId, head.seq)) : "unknown";
          const running = head && state === "active" ? head.taskId : null;
          return {
            entityId,
            depth: taskIds.length,
            runningTaskId: running,
            pendingTaskIds: taskIds.filter((id) => id !== running),
          };
        }),
      );
    },

    async ping() {
      // Commands wait for a reconnect forever (maxRetriesPerRequest: null); a health check must not.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("Redis did not answer within 2 s")), 2000);
      });
      await Promise.race([redis.ping(), timeout]).finally(() => clearTimeout(timer));
    },

    async close() {
      await stopWorker(0);
      await queue.close();
      await redis.quit().catch(() => undefined);
    },
  };
}
