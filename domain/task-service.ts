import { ConflictError, NotFoundError } from "../db/errors";
import type { DeadLetterRow, TaskRow } from "../db/rows";
import type { Stores } from "../db/stores/index";
import type { NewTask } from "../db/stores/tasks-store";
import type { RetryPolicy } from "../platform/backoff";
import type { Logger } from "../platform/logger";
import type { Journal } from "./journal";
import { IllegalTransitionError } from "./model/task-status";
import { defaultRetryPolicies, type TaskType } from "./model/task-types";
import type { TaskQueue } from "./queue-port";

export interface TaskServiceDeps {
  stores: Stores;
  queue: TaskQueue;
  journal: Journal;
  /** Retry policy per task type; defaults to the task model's (tests pass their handlers'). */
  policies?: ReadonlyMap<string, RetryPolicy>;
  logger: Logger;
}

export type SubmitInput = Omit<NewTask, "maxAttempts">;

/**
 * The one way tasks are created, cancelled and retried (API, bot through the API, site, scheduler).
 * The database row is written first; publishing to the queue may fail, in which case the reconciler
 * re-publishes the still-queued task, so no task is ever stuck.
 */
export function createTaskService(deps: TaskServiceDeps) {
  const { stores, queue, journal, logger } = deps;
  const policies = deps.policies ?? defaultRetryPolicies();
  const attemptsFor = (type: string) => policies.get(type)?.maxAttempts ?? 3;

  async function publish(task: TaskRow): Promise<void> {
    try {
      await queue.enqueue({ taskId: task.id, entityId: task.entityId });
    } catch (error) {
      logger.warn("enqueue failed; the reconciler will publish the task", { taskId: task.id, error });
    }
  }

  async function mustGet(taskId: string): Promise<TaskRow> {
    const task = await stores.tasks.get(taskId);
    if (!task) throw new NotFoundError("task_not_found", `No task has the id ${taskId}`);
    return task;
  }

  return {
    async submit(input: SubmitInput): Promise<{ task: TaskRow; created: boolean }> {
      const result = await stores.tasks.create({ ...input, maxAttempts: attemptsFor(input.type) });
      if (result.created) {
        await journal.emit(result.task.id, { kind: "status", status: "queued", attempts: 0, error: null });
        await publish(result.task);
      }
      return result;
    },

    /** Cancels a queued task at once, or asks a running one to stop at its next checkpoint. */
    async cancel(taskId: string): Promise<{ task: TaskRow; outcome: "cancelled" | "cancelling" }> {
      const task = await mustGet(taskId);
      if (task.status === "queued") {
        try {
          const cancelled = await journal.status(taskId, "cancelled", { finishedAt: new Date() });
          await queue.remove(taskId).catch(() => false);
          return { task: cancelled, outcome: "cancelled" };
        } catch (error) {
          if (!(error instanceof IllegalTransitionError)) throw error;
        }
      }
      if (await stores.tasks.requestCancel(taskId)) {
        await journal.log(taskId, "Cancel requested; stopping at the next checkpoint", "warn");
        await queue.abort(taskId);
        return { task: await mustGet(taskId), outcome: "cancelling" };
      }
      const now = await mustGet(taskId);
      throw new ConflictError(
        "task_not_cancellable",
        `The task is ${now.status}; only queued or running tasks can be cancelled`,
      );
    },

    /**
     * Puts a failed task back at the end of its entity's line. Steps that succeeded are kept and
     * skipped unless `fromScratch`. The task gets a fresh attempt budget.
     */
    async retry(taskId: string, options: { fromScratch?: boolean } = {}): Promise<TaskRow> {
      const task = await mustGet(taskId);
      if (task.status !== "failed") {
        throw new ConflictError(
          "task_not_retryable",
          `The task is ${task.status}; only failed tasks can be retried`,
        );
      }
      await stores.tasks.resetSteps(taskId, options.fromScratch ?? false);
      const queued = await journal.status(taskId, "queued", {
        maxAttempts: task.attempts + attemptsFor(task.type),
        error: null,
        finishedAt: null,
        cancelRequested: false,
        ...(options.fromScratch ? { result: null } : {}),
      });
      const letter = await stores.deadLetters.openForTask(taskId);
      if (letter) await stores.deadLetters.resolve(letter.id, "retried", "system").catch(() => undefined);
      await publish(queued);
      return queued;
    },

    async retryDeadLetter(
      id: string,
      by: string,
      options: { fromScratch?: boolean } = {},
    ): Promise<{ letter: DeadLetterRow; task: TaskRow }> {
      const open = await stores.deadLetters.get(id);
      if (!open) throw new NotFoundError("dead_letter_not_found", `No dead letter has the id ${id}`);
      // Check the task before closing the letter, so a refused retry leaves the letter open.
      const current = await mustGet(open.taskId);
      if (current.status !== "failed") {
        throw new ConflictError(
          "task_not_retryable",
          `The task is ${current.status}; only failed tasks can be retried`,
        );
      }
      const letter = await stores.deadLetters.resolve(id, "retried", by);
      const task = await this.retry(letter.taskId, options);
      return { letter, task };
    },

    async skipDeadLetter(id: string, by: string): Promise<DeadLetterRow> {
      return stores.deadLetters.resolve(id, "skipped", by);
    },

    async positionOf(taskId: string): Promise<number | null> {
      return queue.positionOf(taskId);
    },

    isTaskType(type: string): type is TaskType {
      return policies.has(type);
    },
  };
}

export type TaskService = ReturnType<typeof createTaskService>;
