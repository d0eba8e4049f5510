import type { TaskRow } from "../db/rows";
import type { Stores } from "../db/stores/index";
import type { TaskPatch } from "../db/stores/tasks-store";
import type { Logger } from "../platform/logger";
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

  async function emit(taskId: string, data: TaskEventData): Promise<TaskEvent> {
    const event = await stores.taskEvents.append(taskId, data);
    await publish(event);
    return event;
  }

  return {
    emit,
    /** Publishes an event already stored in a caller's transaction (after that transaction committed). */
    publish,

    /**
     * Moves the task (legal moves only) and records its status event in one transaction, with the
     * outbox rows of a terminal status and whatever `within` writes (a dead letter, a step reset): a
     * reader never sees the new status without its event, nor the event without the status.
     */
    async status(
      taskId: string,
      to: TaskStatus,
      patch: TaskPatch = {},
      options: { within?: (tx: Stores) => Promise<unknown> } = {},
    ): Promise<TaskRow> {
      // A client span per status change: the transaction that moves the task (with its dead letter or
      // outbox rows) shows in the trace; the many step, progress and log writes do not, to stay cheap.
      const { task, event } = await withSpan(
        "db.task.status",
        { kind: SpanKind.CLIENT, attributes: { "cloudops.task.id": taskId, "cloudops.task.status": to } },
        () =>
          stores.transaction(async (tx) => {
            await options.within?.(tx);
            const moved = await tx.tasks.transition(taskId, to, patch);
            const appended = await tx.taskEvents.append(taskId, {
              kind: "status",
              status: to,
              attempts: moved.attempts,
              error: moved.error ? { code: moved.error.code, message: moved.error.message } : null,
            });
            if (deps.onTerminal && isTerminal(to)) await deps.onTerminal(moved, tx);
            return { task: { ...moved, eventSeq: appended.seq }, event: appended };
          }),
      );
      await publish(event);
      if (isTerminal(to)) {
        countFinished(task, to);
        deps.afterTerminal?.();
      }
      return task;
    },

    async step(
      taskId: string,
      index: number,
      name: string,
      status: "pending" | "running" | "succeeded" | "failed" | "skipped" | "cancelled",
      extra: { percent?: number; message?: string | null } = {},
    ): Promise<void> {
      const now = new Date();
      const percent = extra.percent ?? (status === "succeeded" ? 100 : 0);
      await stores.tasks.updateStep(taskId, index, {
        status,
        percent,
        message: extra.message ?? null,
        ...(status === "running" ? { startedAt: now, finishedAt: null } : {}),
        ...(status === "succeeded" || status === "failed" || status === "cancelled"
          ? { finishedAt: now }
          : {}),
      });
      await emit(taskId, { kind: "step", index, name, status, percent, message: extra.message ?? null });
    },

    async progress(
      taskId: string,
      index: number,
      name: string,
      percent: number,
      message?: string,
    ): Promise<void> {
      const clamped = Math.max(0, Math.min(100, Math.round(percent)));
      await stores.tasks.updateStep(taskId, index, { percent: clamped, message: message ?? null });
      await emit(taskId, { kind: "progress", index, name, percent: clamped, message: message ?? null });
    },

    async log(
      taskId: string,
      message: string,
      level: "debug" | "info" | "warn" | "error" = "info",
      step?: string,
    ) {
      await emit(taskId, { kind: "log", level, message, step: step ?? null });
    },
  };
}

export type Journal = ReturnType<typeof createJournal>;
