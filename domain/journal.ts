import type { TaskRow } from "../db/rows";
import type { Stores } from "../db/stores/index";
import type { TaskPatch } from "../db/stores/tasks-store";
import type { Logger } from "../platform/logger";
import { merged } from "../platform/merged";
import { type Instruments, noopInstruments } from "../platform/telemetry/instruments";
import { SpanKind, withSpan } from "../platform/telemetry/spans";
import type { TaskEvent, TaskEventData } from "./model/events";
import { isTerminal, type TaskStatus } from "./model/task-status";
import type { TaskEventBus } from "./task-event-bus";

/**
 * Writes what happens to a task: first to the database (status, steps, logs, event row), then to
 * the event bus. Anything that changes a task's visible state goes through here so that readers
 * (SSE, bot card, notifier) see one ordered stream per task.
 */
export function createJournal(deps: {
  stores: Stores;
  bus: TaskEventBus;
  logger: Logger;
  /** Counts finished tasks and their run time (every role: the API cancels queued tasks). */
  instruments?: Instruments;
  /**
   * Called inside the transaction that records a terminal status (the notification outbox rows), so
   * the status and what it triggers commit together: when it throws, the status change is rolled back.
   */
  onTerminal?: (task: TaskRow, tx: Stores) => Promise<unknown>;
  /** Called after a terminal status committed (wakes the local outbox dispatcher). */
  afterTerminal?: () => void;
  /** Like onTerminal, for the move to awaiting_approval (the approval request's notification rows). */
  onApprovalRequested?: (task: TaskRow, tx: Stores) => Promise<unknown>;
}) {
  const { stores, bus, logger } = deps;
  const instruments = deps.instruments ?? noopInstruments;

  function countFinished(task: TaskRow, status: TaskStatus): void {
    instruments.tasksFinished.add(1, { type: task.type, status });
    const end = task.finishedAt ?? new Date();
    const start = task.startedAt ?? task.createdAt;
    instruments.taskDuration.record(Math.max(0, end.getTime() - start.getTime()) / 1000, {
      type: task.type,
      status,
    });
  }

  async function publish(event: TaskEvent): Promise<void> {
    // A lost publish only delays live readers: they resume from the database by sequence number.
    await bus
      .publish(event)
      .catch((error) => logger.warn("task event publish failed", { taskId: event.taskId, error }));
  }

  async function publishAll(events: readonly TaskEvent[]): Promise<void> {
    for (const event of events) await publish(event);
  }

  /**
   * Publishes without waiting for Redis to answer: the bus sends in call order on one connection, so
   * the status event that ends a task (awaited) still arrives after every event before it, and a
   * step no longer waits a Redis round trip before the next one starts.
   */
  function send(events: readonly TaskEvent[]): void {
    for (const event of events) void publish(event);
  }

  /** Stores one event, behind the lease check when `lease` is given (same transaction). */
  async function emit(taskId: string, data: TaskEventData, lease: string | null = null): Promise<TaskEvent> {
    const { events } = await stores.taskEvents.write({ taskId, lease, events: [data], at: new Date() });
    const event = events[0];
    if (!event) throw new Error("task event write returned no event");
    await publish(event);
    return event;
  }

  async function status(
    taskId: string,
    to: TaskStatus,
    patch: TaskPatch = {},
    options: StatusOptions & { lease?: string | null } = {},
  ): Promise<TaskRow> {
    // A finished task holds no lease: nothing may write for it any more.
    const final = isTerminal(to) ? { leaseToken: null, leaseExpiresAt: null } : {};
    // The lease check and the event counter are part of the conditional move, and its status event
    // (after the events that go before it) is recorded with it.
    const now = new Date();
    const before = stepRows(options.stepsBefore ?? [], {}, now);
    const after = stepRows(options.stepsAfter ?? [], {}, now);
    const recordMove = (into: Stores) =>
      into.taskEvents.recordMove({
        id: taskId,
        to,
        patch: merged(patch, final),
        now,
        from: options.from,
        lease: options.lease,
        events: [...(options.events ?? []), ...before.map((row) => row.event)],
        after: after.map((row) => row.event),
        steps: [...before, ...after],
        unlessCancelled: options.unlessCancelled,
      });
    // Nothing else to write with the move (no `within`, no outbox rows for this status): no
    // transaction of ours around it, so on PostgreSQL the move is one round trip instead of four.
    const alone =
      !options.within &&
      !(deps.onTerminal && isTerminal(to)) &&
      !(deps.onApprovalRequested && to === "awaiting_approval");
    // A client span per status change: the transaction that moves the task (with its dead letter or
    // outbox rows) shows in the trace; the many step, progress and log writes do not, to stay cheap.
    const { task, events } = await withSpan(
      "db.task.status",
      { kind: SpanKind.CLIENT, attributes: { "cloudops.task.id": taskId, "cloudops.task.status": to } },
      () =>
        alone
          ? recordMove(stores)
          : stores.transaction(async (tx) => {
              await options.within?.(tx);
              const recorded = await recordMove(tx);
              if (deps.onTerminal && isTerminal(to)) await deps.onTerminal(recorded.task, tx);
              if (deps.onApprovalRequested && to === "awaiting_approval")
                await deps.onApprovalRequested(recorded.task, tx);
              return recorded;
            }),
    );
    // In sequence order: the events before the status event, the status event, those after it.
    if (events.length !== (options.events ?? []).length + before.length + 1 + after.length)
      throw new Error("status event insert returned no row");
    await publishAll(events);
    if (isTerminal(to)) countFinished(task, to);
    if (isTerminal(to) || to === "awaiting_approval") deps.afterTerminal?.();
    return task;
  }

  /**
   * Records step states and their events (with the task's saved state when given) in one write,
   * grouped with the writes of other tasks. False when `unlessCancelled` and a cancel was requested:
   * then nothing was written.
   */
  async function steps(
    taskId: string,
    changes: readonly StepChange[],
    extra: StepExtra = {},
    lease: string | null = null,
  ): Promise<boolean> {
    const now = new Date();
    const rows = stepRows(changes, extra, now);
    const { events, cancelRequested } = await stores.taskEvents.write({
      taskId,
      lease,
      unlessCancelled: extra.unlessCancelled,
      steps: rows.map(({ index, patch }) => ({ index, patch })),
      result: extra.result,
      events: rows.map((row) => row.event),
      at: now,
    });
    send(events);
    return !cancelRequested;
  }

  function step(
    taskId: string,
    index: number,
    name: string,
    stepStatus: StepState,
    extra: StepExtra = {},
    lease: string | null = null,
  ): Promise<boolean> {
    return steps(taskId, [{ index, name, status: stepStatus }], extra, lease);
  }

  async function progress(
    taskId: string,
    index: number,
    name: string,
    percent: number,
    message?: string,
    lease: string | null = null,
  ): Promise<void> {
    const clamped = Math.max(0, Math.min(100, Math.round(percent)));
    const { events } = await stores.taskEvents.write({
      taskId,
      lease,
      steps: [{ index, patch: { percent: clamped, message: message ?? null } }],
      events: [{ kind: "progress", index, name, percent: clamped, message: message ?? null }],
      at: new Date(),
    });
    send(events);
  }

  async function log(
    taskId: string,
    message: string,
    level: LogLevel = "info",
    stepName?: string,
    lease: string | null = null,
  ): Promise<void> {
    await emit(taskId, { kind: "log", level, message, step: stepName ?? null }, lease);
  }

  /**
   * The journal of one delivery that holds the task's lease `lease`: every write first checks, in its
   * own transaction, that the lease is still this delivery's, and throws LeaseLostError when another
   * delivery took the task (this one stalled past its lease); nothing of the refused write is stored.
   */
  function fenced(taskId: string, lease: string) {
    return {
      lease,
      status: (to: TaskStatus, patch: TaskPatch = {}, options: StatusOptions = {}) =>
        status(taskId, to, patch, merged(options, { lease })),
      /** False when `unlessCancelled` and a cancel was requested (nothing written). */
      step: (index: number, name: string, stepStatus: StepState, extra: StepExtra = {}) =>
        step(taskId, index, name, stepStatus, extra, lease),
      /**
       * Several step changes as one write, in order (a step succeeded and the next one running):
       * readers see them together. False when `unlessCancelled` and a cancel was requested.
       */
      steps: (changes: readonly StepChange[], extra: StepExtra = {}) => steps(taskId, changes, extra, lease),
      progress: (index: number, name: string, percent: number, message?: string) =>
        progress(taskId, index, name, percent, message, lease),
      log: (message: string, level: LogLevel = "info", stepName?: string) =>
        log(taskId, message, level, stepName, lease),
      /** Saves the handler's state behind the lease check. */
      saveResult: async (result: Record<string, unknown>): Promise<void> => {
        await stores.taskEvents.write({ taskId, lease, result, events: [], at: new Date() });
      },
    };
  }

  return {
    emit: (taskId: string, data: TaskEventData) => emit(taskId, data),
    /** Publishes an event already stored in a caller's transaction (after that transaction committed). */
    publish,

    /**
     * Moves the task (legal moves only) and records its status event in one transaction, with the
     * outbox rows of a terminal status and whatever `within` writes (a dead letter, a step reset): a
     * reader never sees the new status without its event, nor the event without the status.
     */
    status: (taskId: string, to: TaskStatus, patch: TaskPatch = {}, options: StatusOptions = {}) =>
      status(taskId, to, patch, options),
    /** Records a step's state and its event in one transaction. */
    step: (
      taskId: string,
      index: number,
      name: string,
      stepStatus: StepState,
      extra: { percent?: number; message?: string | null } = {},
    ) => step(taskId, index, name, stepStatus, extra).then(() => undefined),
    progress: (taskId: string, index: number, name: string, percent: number, message?: string) =>
      progress(taskId, index, name, percent, message),
    log: (taskId: string, message: string, level: LogLevel = "info", stepName?: string) =>
      log(taskId, message, level, stepName),
    fenced,
  };
}

/** Step rows and events of step changes, as one journal write records them. */
function stepRows(changes: readonly StepChange[], extra: StepExtra, now: Date) {
  return changes.map(({ index, name, status: stepStatus }, k) => {
    // Only the first change takes the caller's percent and message; the others start afresh.
    const percent = (k === 0 ? extra.percent : undefined) ?? (stepStatus === "succeeded" ? 100 : 0);
    const message = (k === 0 ? extra.message : undefined) ?? null;
    const patch = {
      status: stepStatus,
      percent,
      message,
      ...(stepStatus === "running" ? { startedAt: now, finishedAt: null } : {}),
      ...(stepStatus === "succeeded" || stepStatus === "failed" || stepStatus === "cancelled"
        ? { finishedAt: now }
        : {}),
    };
    const event: TaskEventData = { kind: "step", index, name, status: stepStatus, percent, message };
    return { index, patch, event };
  });
}

interface StatusOptions {
  within?: (tx: Stores) => Promise<unknown>;
  /** Only from these statuses (a subset of the legal sources). */
  from?: readonly TaskStatus[];
  /**
   * Events recorded just before the status event, in the same transaction: they exist exactly when
   * the move happened (an approval decision with its status), and readers that stop at a final status
   * have seen them.
   */
  events?: readonly TaskEventData[];
  /**
   * Step changes recorded with the move, one commit instead of two: before its status event (after
   * `events`; the last step's success with the final move) or after it (the first step's start with
   * the move to running). The step rows and events are those a step write would record.
   */
  stepsBefore?: readonly StepChange[];
  stepsAfter?: readonly StepChange[];
  /** Nothing is written when a cancel was requested for the task: CancelRequestedError. */
  unlessCancelled?: boolean;
}

interface StepChange {
  index: number;
  name: string;
  status: StepState;
}

interface StepExtra {
  percent?: number;
  message?: string | null;
  /** The task's saved state, stored with the step. */
  result?: Record<string, unknown>;
  /** Write nothing (and return false) when a cancel was requested for the task. */
  unlessCancelled?: boolean;
}

type StepState = "pending" | "running" | "succeeded" | "failed" | "skipped" | "cancelled";
type LogLevel = "debug" | "info" | "warn" | "error";

export type FencedJournal = ReturnType<Journal["fenced"]>;
export type Journal = ReturnType<typeof createJournal>;
