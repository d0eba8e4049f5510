import {
  ABORT_REASON,
  type EntityQueueState,
  type QueueOptions,
  type TaskQueue,
} from "../../../domain/queue-port";
import type { Logger } from "../../../platform/logger";
import { createBoundedSet } from "./bounded-set";
import { connectServiceBus, type SenderLike, type ServiceBusConnect } from "./sdk";
import { type Consumer, type LocalDelivery, startConsumer } from "./session-consumer";

export interface ServiceBusTuning {
  /** Replaces the real SDK clients (tests pass an in-memory fake). */
  connect?: ServiceBusConnect;
  /** How long an idle session is held before it is closed. Default 1 s. */
  sessionIdleMs?: number;
  /** Upper bound on one delivery, retry waits included, before the session lock may lapse. Default 1 h. */
  maxAutoLockRenewalDurationInMs?: number;
  pingTimeoutMs?: number;
  /** Backoff after SDK errors in a consume loop (full jitter). Default 500 ms doubling up to 30 s. */
  errorBackoff?: { baseMs: number; maxMs: number };
  random?: () => number;
}

export type ServiceBusQueueOptions = QueueOptions & {
  connectionString: string;
  queueName: string;
} & ServiceBusTuning;

/** How many task ids the local hints (sent, removed) remember. */
const LOCAL_MEMORY = 10_000;

/**
 * Queue engine on Azure Service Bus sessions: one message per task, `sessionId` = entity, so the
 * broker gives each entity to one receiver at a time, in order. The queue must exist with
 * `requiresSession: true` (see ensureServiceBusQueue and docs/servicebus.md).
 *
 * Service Bus has no cheap per-message view, so `has`, `positionOf`, `snapshot` and `remove` work on
 * what this process knows (what it sent and what it is running); see each method.
 */
export async function createServiceBusQueue(
  options: ServiceBusQueueOptions,
  logger: Logger,
): Promise<TaskQueue> {
  const { queueName } = options;
  const log = logger.child({ queue: "servicebus", queueName });
  const client = (options.connect ?? connectServiceBus)(options.connectionString);
  const active = new Map<string, LocalDelivery>();
  const sent = createBoundedSet(LOCAL_MEMORY);
  const removed = createBoundedSet(LOCAL_MEMORY);
  let sender: SenderLike | null = null;
  let consumer: Consumer | null = null;
  let closed = false;

  async function stop(graceMs: number): Promise<void> {
    const running = consumer;
    consumer = null;
    await running?.stop(graceMs);
  }

  return {
    kind: "servicebus",

    async enqueue(item) {
      // Running here: sent once more (once), and the message lands behind in its session. The task
      // went back to queued while this delivery finishes (a retry right after a failure), which
      // must not wait for the reconciler; a mere duplicate is skipped by the runner.
      const running = active.get(item.taskId);
      if (running?.requeued) return;
      if (running) running.requeued = true;
      removed.delete(item.taskId);
      sender ??= client.createSender(queueName);
      // messageId = taskId so the queue's duplicate detection, when enabled, drops re-publishes.
      await sender.sendMessages({
        body: { taskId: item.taskId, entityId: item.entityId },
        sessionId: item.entityId,
        messageId: item.taskId,
        contentType: "application/json",
        subject: "cloudops.task",
        ...(item.traceparent ? { applicationProperties: { traceparent: item.traceparent } } : {}),
      });
      sent.add(item.taskId);
    },

    /**
     * Service Bus cannot delete one message in the middle of a session cheaply (it would mean
     * locking the session and receiving everything ahead of it). The id is recorded instead and the
     * message is completed unrun when this process receives it. Another process that receives it
     * still does not run it: the task service cancels the row first, and the runner skips a cancelled
     * task. Either way the rest of the entity keeps its order. A running task cannot be removed.
     */
    async remove(taskId) {
      const running = active.get(taskId);
      if (running?.requeued) {
        // The message sent again while it runs is the waiting one: skipped when received.
        running.requeued = false;
        removed.add(taskId);
        return true;
      }
      if (running) return false;
      removed.add(taskId);
      sent.delete(taskId);
      return true;
    },

    /**
     * Aborts a delivery running in this process (reason "cancelled") or wakes it from a retry wait.
     * A delivery in another process is not reachable from here: the task service has already set
     * cancelRequested on the row, and the runner sees it at the task's next redelivery.
     */
    async abort(taskId) {
      const local = active.get(taskId);
      local?.controller?.abort(ABORT_REASON.cancelled);
      local?.wake?.("cancel");
    },

    async start(processor) {
      if (closed) throw new Error("The servicebus queue is closed");
      if (consumer) return;
      consumer = startConsumer({
        client,
        queueName,
        processor,
        logger: log,
        maxConcurrentSessions: options.maxConcurrentSessions,
        maxMessagesPerSession: options.maxMessagesPerSession,
        sessionIdleMs: options.sessionIdleMs ?? 1000,
        maxAutoLockRenewalDurationInMs: options.maxAutoLockRenewalDurationInMs ?? 60 * 60_000,
        errorBackoff: options.errorBackoff ?? { baseMs: 500, maxMs: 30_000 },
        random: options.random ?? Math.random,
        active,
        removed,
        sent,
      });
    },

    stop,

    /**
     * True when this process sent the task and has not seen it finish, or runs it now. A task sent
     * by another process reads false, so the reconciler re-publishes it once from here (then it is
     * "sent" locally); the duplicate lands behind the original in the same session and the runner
     * skips it, as the task is finished by then.
     */
    async has(taskId) {
      return active.has(taskId) || (sent.has(taskId) && !removed.has(taskId));
    },

    /**
     * 0 when this process runs it; otherwise null: Service Bus exposes no per-session position
     * cheaply (nor for a task sent again while it runs here: its message waits somewhere behind).
     */
    async positionOf(taskId) {
      const running = active.get(taskId);
      return running && !running.requeued ? 0 : null;
    },

    /** The entities this process is running now (depth counts only the running item: a lower bound). */
    async snapshot(): Promise<EntityQueueState[]> {
      return [...active.values()]
        .map(({ item }) => ({
          entityId: item.entityId,
          depth: 1,
          runningTaskId: item.taskId,
          pendingTaskIds: [],
        }))
        .sort((a, b) => a.entityId.localeCompare(b.entityId));
    },

    /**
     * Opens (or confirms) the sender link within pingTimeoutMs: that reaches the namespace, checks
     * the queue exists and that the connection string may send, with the Send claim every role
     * already needs (the management API would need Manage). Once the link is up the check is local
     * until the SDK notices a broken connection and closes the link.
     */
    async ping() {
      const timeoutMs = options.pingTimeoutMs ?? 5000;
      const abort = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          abort.abort();
          reject(new Error(`Service Bus did not answer within ${timeoutMs} ms`));
        }, timeoutMs);
      });
      try {
        sender ??= client.createSender(queueName);
        await Promise.race([sender.createMessageBatch({ abortSignal: abort.signal }), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      await stop(0);
      await sender?.close().catch((error: unknown) => log.warn("closing the sender failed", { error }));
      await client.close().catch((error: unknown) => log.warn("closing the client failed", { error }));
    },
  };
}
