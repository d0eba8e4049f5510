import { DelayedError, type Job, Queue, Worker } from "bullmq";
import {
  ABORT_REASON,
  type EntityQueueState,
  type Processor,
  type ProcessResult,
  type QueueItem,
  type QueueOptions,
  type TaskQueue,
} from "../../../domain/queue-port";
import { asUnavailable, DependencyUnavailableError } from "../../../platform/dependency";
import type { Logger } from "../../../platform/logger";
import { openRedis } from "../../../platform/redis";
import { createAbortChannel } from "./abort-channel";
import { createFifoStore, type HeadRef } from "./fifo-store";
import { HEAD_JOB_NAME, HEAD_JOB_OPTIONS } from "./head-job";
import { fifoKeys, headJobId, taskIdOfEntry } from "./keys";
import { createLaneKeeper, ensureGlobalConcurrency } from "./lane-keeper";
import { createOwnHeads } from "./own-heads";
import { createSweep } from "./sweep";

/**
 * Crash recovery timing: a worker that dies (SIGKILL) stops renewing the lock of its jobs. After at
 * most LOCK_DURATION_MS the lock expires, and the next stalled check (every STALLED_INTERVAL_MS, run
 * by every live worker) moves the job back to wait: redelivery within ~15 s, well inside 30 s.
 */
export const LOCK_DURATION_MS = 10_000;
export const STALLED_INTERVAL_MS = 5_000;
export const SWEEP_INTERVAL_MS = 5_000;
/** A worker notices within this long that Redis lost the lanes (also checked on every reconnect). */
export const EPOCH_CHECK_MS = 500;

/**
 * `traceparent` rides along when the enqueuing call made the head job itself (else the task row has
 * it); `nonce` when a script of this process added the job (own-heads.ts).
 */
type JobData = HeadRef & { traceparent?: string; nonce?: string };

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
  options: QueueOptions & {
    redisUrl: string;
    prefix: string;
    /** BullMQ lock of a running job and the stalled check period (tests shorten them). */
    lockDurationMs?: number;
    stalledIntervalMs?: number;
    /** How often a worker process checks that Redis still holds the lanes (the epoch). */
    epochCheckMs?: number;
  },
  logger: Logger,
): Promise<TaskQueue> {
  const keys = fifoKeys(options.prefix);
  // Request paths (submit, cancel, queue views) give up after 2 s so the API can answer 503; the
  // consuming side below has its own connection with the settings BullMQ requires.
  const redis = openRedis(options.redisUrl, "request");
  redis.on("error", (error) => logger.warn("queue redis error", { error }));
  const queue = new Queue<JobData>(keys.queueName, {
    connection: redis,
    prefix: keys.bullPrefix,
    defaultJobOptions: HEAD_JOB_OPTIONS,
  });
  queue.on("error", (error) => logger.warn("bullmq queue error", { error }));
  const fifo = createFifoStore(redis, keys);
  const abortChannel = createAbortChannel({
    publisher: redis,
    openSubscriber: () => openRedis(options.redisUrl, "subscriber"),
    channel: keys.abortChannel,
    logger,
  });
  // As before: each instance applies its limit when opened (the last one opened wins). An API process
  // that starts while Redis is down still starts; workers apply it again whenever Redis lost it.
  await queue
    .setGlobalConcurrency(options.maxConcurrentSessions)
    .catch((error) => logger.warn("could not apply the global concurrency yet", { error }));
  const controllers = new Map<string, AbortController>();
  let consumer: Consumer | null = null;
  const own = createOwnHeads();
  const unavailable = asUnavailable("redis");

  /** Adds a head's job outside the lane scripts (the sweep, and heads of items deferred during a rebuild). */
  async function addHeadJob(target: Queue<JobData>, ref: JobData): Promise<void> {
    await target.add(HEAD_JOB_NAME, ref, { jobId: headJobId(ref.entityId, ref.seq) });
  }

  /** The worker side: its own connection, FIFO store, queue handle, sweep and lane keeper. */
  function createConsumer(
    processor: Processor,
    unfinished: () => Promise<(QueueItem & { status?: string })[]>,
  ) {
    const connection = openRedis(options.redisUrl, "bullmq");
    connection.on("error", (error) => logger.warn("queue worker redis error", { error }));
    const sideQueue = new Queue<JobData>(keys.queueName, {
      connection,
      prefix: keys.bullPrefix,
      defaultJobOptions: HEAD_JOB_OPTIONS,
    });
    sideQueue.on("error", (error) => logger.warn("bullmq queue error", { error }));
    const side = createFifoStore(connection, keys);
    const add = (ref: HeadRef) => addHeadJob(sideQueue, ref);
    // Bumped when the lanes are lost: a delivery from an older generation no longer has a job.
    let generation = 0;

    /**
     * Pops the head and adds the next item's job (one script); with `lockToken`, only while this
     * delivery holds the job's lock. Not awaited by the processor: the script is written on the
     * Worker's own connection before BullMQ's moveToFinished and Redis runs commands of a connection
     * in order, so the pop still happens under the lock and before the job completes, without a
     * round trip of its own. If it fails, the job completes with its item still
     * head: the sweep re-adds the job and the item runs again, as when a process dies at this point.
     */
    function finish(ref: HeadRef, lockToken: string | null): void {
      const nonce = own.issue();
      side.popHead(ref, lockToken, nonce).then(
        ({ popped, next }) => {
          if (!next) own.drop(nonce);
          if (!popped && lockToken)
            logger.warn("delivery lost its lock; the redelivery finishes the item", { ...ref });
        },
        (error) => {
          own.drop(nonce);
          logger.error("could not pop a finished head; the sweep re-adds its job", { ...ref, error });
        },
      );
    }

    async function process(job: Job<JobData>, token?: string): Promise<void> {
      const ref = job.data;
      const born = generation;
      // A job left over from before a crash, or re-added by the sweep just as its item finished.
      // The first delivery of a job this process's script added needs no check (own-heads.ts).
      if (!own.claim(job) && !(await side.isHead(ref))) return;
      const taskId = taskIdOfEntry(ref.taskId);
      const controller = new AbortController();
      controllers.set(taskId, controller);
      let result: ProcessResult;
      try {
        result = await processor({
          taskId,
          entityId: ref.entityId,
          ...(ref.traceparent ? { traceparent: ref.traceparent } : {}),
          deliveryCount: Math.max(1, job.attemptsStarted),
          signal: controller.signal,
        });
      } catch (error) {
        // The processor handles its own failures; reaching here is a bug, so back off and redeliver.
        logger.error("queue processor threw", { taskId, error });
        result = { kind: "retry", delayMs: 1000 };
      } finally {
        controllers.delete(taskId);
      }
      // Redis lost this job with its lanes; the rebuild gave the task a new one.
      if (born !== generation) return;
      if (result.kind === "done") return finish(ref, token ?? null);
      // retry and release keep the item at the head, so the entity stays blocked and order holds.
      const delayMs = result.kind === "retry" ? result.delayMs : 0;
      await job.moveToDelayed(Date.now() + delayMs, token);
      throw new DelayedError();
    }

    const worker = new Worker<JobData>(keys.queueName, process, {
      connection,
      prefix: keys.bullPrefix,
      concurrency: options.maxConcurrentSessions,
      lockDuration: options.lockDurationMs ?? LOCK_DURATION_MS,
      stalledInterval: options.stalledIntervalMs ?? STALLED_INTERVAL_MS,
      // A head must never be failed by BullMQ for stalling: it would block its entity. The
      // processor's head check makes every redelivery safe, so allow (practically) unlimited.
      maxStalledCount: 1_000_000,
      autorun: false,
    });
    worker.on("error", (error) => logger.warn("bullmq worker error", { error }));
    worker.on("failed", (job, error) =>
      logger.error("queue job failed; the sweep will re-add it", { jobId: job?.id, error }),
    );
    const sweep = createSweep({
      fifo: side,
      redis: connection,
      queue: sideQueue,
      addHeadJob: add,
      logger,
      intervalMs: SWEEP_INTERVAL_MS,
    });
    const keeper = createLaneKeeper({
      redis: connection,
      keys,
      fifo: side,
      queue: sideQueue,
      addHeadJob: add,
      maxConcurrentSessions: options.maxConcurrentSessions,
      unfinished,
      checkMs: options.epochCheckMs ?? EPOCH_CHECK_MS,
      logger,
      async drainLocal() {
        generation++;
        own.clear();
        await worker.pause(true);
        for (const c of controllers.values()) c.abort(ABORT_REASON.requeue);
        while (controllers.size > 0) await new Promise((r) => setTimeout(r, 20));
      },
      resumeLocal: () => void worker.resume(),
    });
    // After every reconnect: Redis may be a fresh one (restart without persistence).
    connection.on("ready", () => {
      void ensureGlobalConcurrency(sideQueue, options.maxConcurrentSessions).catch(() => undefined);
      void keeper.check();
    });

    return {
      async start() {
        await ensureGlobalConcurrency(sideQueue, options.maxConcurrentSessions);
        // Builds the lanes when this Redis has none (first start, or data lost while no worker ran).
        await keeper.check();
        await sweep.runOnce();
        sweep.start();
        keeper.start();
        // A rebuild during keeper.check() may have started it already (resume runs a worker that is not running).
        if (!worker.isRunning())
          void worker.run().catch((error) => logger.error("bullmq worker stopped", { error }));
      },
      async stop(graceMs: number) {
        await Promise.all([sweep.stop(), keeper.stop()]);
        const timer = setTimeout(() => {
          for (const c of controllers.values()) c.abort(ABORT_REASON.shutdown);
        }, graceMs);
        await worker.close();
        clearTimeout(timer);
        await sideQueue.close();
        await connection.quit().catch(() => undefined);
      },
    };
  }
  type Consumer = ReturnType<typeof createConsumer>;

  async function stopWorker(graceMs: number): Promise<void> {
    const c = consumer;
    consumer = null;
    await c?.stop(graceMs);
    await abortChannel.close();
  }

  return {
    kind: "bullmq",

    async enqueue(item) {
      try {
        // Becoming head and adding its job are one script. A nonce only helps a consumer of this process.
        const nonce = consumer ? own.issue() : undefined;
        const result = await fifo.enqueue(item.taskId, item.entityId, {
          traceparent: item.traceparent,
          ...(nonce ? { nonce } : {}),
        });
        // (A nonce left behind by a failed call is forgotten in time; forgetting one is harmless.)
        if (nonce && typeof result !== "object") own.drop(nonce);
      } catch (error) {
        unavailable(error);
      }
    },

    async remove(taskId) {
      try {
        return await removeItem(taskId);
      } catch (error) {
        return unavailable(error);
      }
    },

    async abort(taskId) {
      controllers.get(taskId)?.abort(ABORT_REASON.cancelled);
      try {
        await abortChannel.publish(taskId);
        const entityId = await fifo.entityOf(taskId);
        const head = entityId === null ? null : await fifo.headOf(entityId);
        if (!head || taskIdOfEntry(head.taskId) !== taskId) return;
        // Waiting for a retry: deliver now so the runner sees the cancel request without the wait.
        const job = await queue.getJob(headJobId(head.entityId, head.seq));
        if (job && (await job.isDelayed())) await job.promote().catch(() => undefined);
      } catch (error) {
        unavailable(error);
      }
    },

    async start(processor, startOptions) {
      if (consumer) return;
      await abortChannel.listen((taskId) => controllers.get(taskId)?.abort(ABORT_REASON.cancelled));
      consumer = createConsumer(processor, startOptions?.unfinished ?? (async () => []));
      await consumer.start();
    },

    stop: stopWorker,

    has: (taskId) => fifo.has(taskId).catch(unavailable),

    positionOf: (taskId) => fifo.positionOf(taskId).catch(unavailable),

    async snapshot(): Promise<EntityQueueState[]> {
      try {
        const lanes = await fifo.lanes();
        return await Promise.all(
          lanes.map(async ({ entityId, taskIds }) => {
            const head = await fifo.headOf(entityId);
            const state = head ? await queue.getJobState(headJobId(entityId, head.seq)) : "unknown";
            const running = head && state === "active" ? taskIdOfEntry(head.taskId) : null;
            return {
              entityId,
              depth: taskIds.length,
              runningTaskId: running,
              // The running one is the head, first (a task queued again behind itself is there twice).
              pendingTaskIds: running ? taskIds.slice(1) : taskIds,
            };
          }),
        );
      } catch (error) {
        return unavailable(error);
      }
    },

    async ping() {
      // The request connection gives up within 2 s; the race also covers a Redis that accepts and hangs.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DependencyUnavailableError("redis")), 2000);
      });
      await Promise.race([redis.ping(), timeout])
        .catch(unavailable)
        .finally(() => clearTimeout(timer));
    },

    async close() {
      await stopWorker(0);
      await queue.close();
      await redis.quit().catch(() => undefined);
    },
  };

  async function removeItem(taskId: string): Promise<boolean> {
    const entityId = await fifo.entityOf(taskId);
    if (entityId === null) return false;
    const outcome = await fifo.removeWaiting(taskId, entityId);
    if (outcome !== "head") return outcome === "removed";
    // The head may go only while it is not running (waiting, or waiting for a retry).
    const head = await fifo.headOf(entityId);
    if (!head || taskIdOfEntry(head.taskId) !== taskId) return false;
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
    const { popped } = await fifo.popHead(head, null);
    return popped;
  }
}
