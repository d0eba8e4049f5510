import type { TaskRow } from "../db/rows";
import type { Stores } from "../db/stores/index";
import type { TaskPatch } from "../db/stores/tasks-store";
import type { Logger } from "../platform/logger";
import type { TaskEvent, TaskEventData } from "./model/events";
import { isTerminal, type TaskStatus } from "./model/task-status";
import type { TaskEventBus } from "./task-event-bus";

const TERMINAL_HOOK_LIMIT_MS = 5000;

/**
 * Writes what happens to a task: first to the database (status, steps, logs, event row), then to
 * the event bus. Anything that changes a task's visible state goes through here so that readers
 * (SSE, bot card, notifier) see one ordered stream per task.
 */
export function createJournal(deps: {
  stores: Stores;
  bus: TaskEventBus;
  logger: Logger;
  /** Called once a terminal status is recorded (notifications); its errors are logged, never thrown. */
  onTerminal?: (task: TaskRow) => Promise<unknown>;
}) {
  const { stores, bus, logger } = deps;

  async function emit(taskId: string, data: TaskEventData): Promise<TaskEvent> {
    const event = await stores.taskEvents.append(taskId, data);
    // A lost publish only delays live readers: they resume from the database by sequence number.
    await bus.publish(event).catch((error) => logger.warn("task event publish failed", { taskId, error }));
    return event;
  }

  return {
    emit,

    /** Moves the task (legal moves only, atomically) and records a status event. */
    async status(taskId: string, to: TaskStatus, patch: TaskPatch = {}): Promise<TaskRow> {
      const task = await stores.tasks.transition(taskId, to, patch);
      await emit(taskId, {
        kind: "status",
        status: to,
        attempts: task.attempts,
        error: task.error ? { code: task.error.code, message: task.error.message } : null,
      });
      if (deps.onTerminal && isTerminal(to)) {
        const onTerminal = deps.onTerminal;
        // A failing or slow notification must never fail or hold up the task whose outcome it reports.
        const hook = Promise.resolve()
          .then(() => onTerminal(task))
          .catch((error) => logger.error("task finished hook failed", { taskId, error }));
        let timer: NodeJS.Timeout | undefined;
        const limit = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, TERMINAL_HOOK_LIMIT_MS);
        });
        await Promise.race([hook, limit]);
        clearTimeout(timer);
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
