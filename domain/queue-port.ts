/**
 * The queue port: what the task engine needs from a queue, and nothing more. Engines (memory, BullMQ,
 * Service Bus) implement it with the same semantics, proven by tests/contracts/queue.contract.test.ts:
 *
 * - Items of one entity are delivered one at a time, in enqueue order; never two at once.
 * - Different entities run in parallel up to `maxConcurrentSessions` (across processes where the
 *   engine is shared).
 * - After `maxMessagesPerSession` items of one entity in a row, other waiting entities get a turn.
 * - A processor result of `retry` keeps the item at the head of its entity (the entity stays blocked)
 *   and delivers it again after `delayMs`; `release` hands it back for immediate redelivery (used on
 *   shutdown); `done` removes it and makes the entity's next item deliverable.
 * - Delivery is at least once: after a crash the head item is delivered again.
 */
export type QueueKind = "memory" | "bullmq" | "servicebus";

export interface QueueItem {
  taskId: string;
  entityId: string;
  /**
   * W3C traceparent of the span that queued the item, so the worker's spans join that trace. Engines
   * carry it with the message where they can (memory, Service Bus); the task row keeps it too, which
   * is what a delivery without it (BullMQ, a reconciler re-publish) falls back to.
   */
  traceparent?: string;
}

export interface Delivery extends QueueItem {
  /** 1 for the first delivery of this item, then 2, 3, ... (retries and crash redeliveries). */
  deliveryCount: number;
  /** Aborted when the task is cancelled ("cancelled"), the worker stops ("shutdown") or the queue rebuilds ("requeue"). */
  signal: AbortSignal;
}

export type ProcessResult = { kind: "done" } | { kind: "retry"; delayMs: number } | { kind: "release" };

export type Processor = (delivery: Delivery) => Promise<ProcessResult>;

export interface EntityQueueState {
  entityId: string;
  /** Items not yet finished, including the running one. */
  depth: number;
  runningTaskId: string | null;
  pendingTaskIds: string[];
}

export interface QueueOptions {
  maxConcurrentSessions: number;
  maxMessagesPerSession: number;
}

/**
 * Why a delivery's signal fired: the task was cancelled, the worker stops (hand the task back), or the
 * queue lost its data and is rebuilding its lanes (hand the task back; it resumes once rebuilt).
 */
export const ABORT_REASON = { cancelled: "cancelled", shutdown: "shutdown", requeue: "requeue" } as const;

export interface StartOptions {
  unfinished?: () => Promise<(QueueItem & { status: string })[]>;
}

/**
 * Engines throw DependencyUnavailableError (platform/dependency.ts) from request-path methods when
 * their broker cannot be reached, so the API answers 503 instead of hanging.
 */
export interface TaskQueue {
  readonly kind: QueueKind;
  /**
   * Adds an item at the back of its entity. Adding a task id that is already waiting is a no-op. A
   * task id that is its entity's head (running, or next to run) is added once more at the back: its
   * task went back to queued while that delivery finishes (a retry right after a failure), and the
   * delivery's end would otherwise drop it. A second copy is a no-op; a mere duplicate costs one
   * delivery that finds the task finished.
   */
  enqueue(item: QueueItem): Promise<void>;
  /**
   * Removes a waiting (not running) item; the order of the others is unchanged. Of a head added once
   * more behind itself, the waiting copy goes.
   */
  remove(taskId: string): Promise<boolean>;
  /** Aborts the delivery of a running item wherever it runs, or wakes it if it waits for a retry. */
  abort(taskId: string): Promise<void>;
  /**
   * Starts consuming with `processor`. Only worker roles call it. `unfinished` lists the queued and
   * running tasks in queue order (the database): an engine whose broker can lose its data (BullMQ
   * on a Redis without persistence) rebuilds its lanes from it.
   */
  start(processor: Processor, options?: StartOptions): Promise<void>;
  /** Stops taking new items; running deliveries get `graceMs` to finish, then are aborted with "shutdown". */
  stop(graceMs: number): Promise<void>;
  /** Whether the queue currently holds this task (waiting, running or waiting for a retry). */
  has(taskId: string): Promise<boolean>;
  /**
   * 0 = running or next to run for its entity, 1 = one item ahead of it, ...; null when not queued.
   * A task queued again behind itself (see enqueue) is at its second place: the first is the end of
   * its previous delivery.
   */
  positionOf(taskId: string): Promise<number | null>;
  snapshot(): Promise<EntityQueueState[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
