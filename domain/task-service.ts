import { ConflictError, NotFoundError } from "../db/errors";
import type { DeadLetterRow, TaskRow } from "../db/rows";
import type { Stores } from "../db/stores/index";
import type { NewTask } from "../db/stores/tasks-store";
import type { RetryPolicy } from "../platform/backoff";
import { DependencyUnavailableError } from "../platform/dependency";
import type { Logger } from "../platform/logger";
import { merged } from "../platform/merged";
import { type Instruments, noopInstruments } from "../platform/telemetry/instruments";
import { currentTraceparent, SpanKind, withSpan } from "../platform/telemetry/spans";
import { createApprovalService } from "./approvals";
import type { Journal } from "./journal";
import { IllegalTransitionError, taskStateSentence } from "./model/task-status";
import { defaultRetryPolicies, type TaskType } from "./model/task-types";
import type { TaskQueue } from "./queue-port";

export interface TaskServiceDeps {
  stores: Stores;
  queue: TaskQueue;
  journal: Journal;
  /** Retry policy per task type; defaults to the task model's (tests pass their handlers'). */
  policies?: ReadonlyMap<string, RetryPolicy>;
  logger: Logger;
  instruments?: Instruments;
}

export type SubmitInput = Omit<NewTask, "maxAttempts"> & {
  /** The Idempotency-Key record of the request, given the task id in the task's own transaction. */
  idempotencyRecord?: string;
};

/**
 * The one way tasks are created, cancelled and retried (API, bot through the API, site, scheduler).
 * The database row is written first; publishing to the queue may fail, in which case the reconciler
 * re-publishes the still-queued task, so no task is ever stuck.
 */
export function createTaskService(deps: TaskServiceDeps) {
  const { stores, queue, journal, logger } = deps;
  const instruments = deps.instruments ?? noopInstruments;
  const policies = deps.policies ?? defaultRetryPolicies();
  const attemptsFor = (type: string) => policies.get(type)?.maxAttempts ?? 3;
  const approvals = createApprovalService({ stores, queue, journal });

  /** The queue message of a task: its entity lane and the trace that queued it. */
  const enqueue = (task: TaskRow) =>
    queue.enqueue({ taskId: task.id, entityId: task.entityId, traceparent: task.traceContext ?? undefined });

  async function publish(task: TaskRow): Promise<void> {
    try {
      await enqueue(task);
    } catch (error) {
      logger.warn("enqueue failed; the reconciler will publish the task", { taskId: task.id, error });
    }
  }

  /**
   * Publishes a task just created. When the queue's broker cannot be reached the request fails (503)
   * and the task must not run later behind the client's back (it may have given up or will retry):
   * the still-untouched row is discarded and its idempotency link undone, then the error goes on.
   */
  async function publishNew(task: TaskRow, idempotencyRecord: string | undefined): Promise<void> {
    try {
      await enqueue(task);
    } catch (error) {
      if (!(error instanceof DependencyUnavailableError)) {
        logger.warn("enqueue failed; the reconciler will publish the task", { taskId: task.id, error });
        return;
      }
      const discarded = await stores
        .transaction(async (tx) => {
          if (!(await tx.tasks.discardUnpublished(task.id))) return false;
          if (idempotencyRecord) await tx.idempotency.detachTask(idempotencyRecord, task.id);
          return true;
        })
        .catch((inner) => {
          logger.error("could not discard a task whose publish failed", { taskId: task.id, error: inner });
          return false;
        });
      // Not discarded: a worker already took it (the publish reached Redis before the answer was
      // lost), so the task exists and runs; the client is told so rather than 503.
      if (!discarded) {
        logger.warn("queue answer lost at submit, but the task was taken; keeping it", { taskId: task.id });
        return;
      }
      logger.warn("queue unavailable at submit; task discarded", { taskId: task.id });
      throw error;
    }
  }

  async function submitNow(
    input: SubmitInput,
    traceContext: string | undefined,
  ): Promise<{ task: TaskRow; created: boolean }> {
    const { idempotencyRecord, ...fields } = input;
    const record = (into: Stores) =>
      into.taskEvents.recordCreate(
        merged(fields, { traceContext: traceContext ?? null, maxAttempts: attemptsFor(input.type) }),
        new Date(),
        { kind: "status", status: "queued", attempts: 0, error: null },
      );
    // Without an idempotency record to link, the task and its first event are the whole write: no
    // transaction of ours around it (on PostgreSQL one round trip instead of five).
    const { event, ...result } = idempotencyRecord
      ? await stores.transaction(async (tx) => {
          const created = await record(tx);
          if (created.created) await tx.idempotency.attachTask(idempotencyRecord, created.task.id);
          return created;
        })
      : await record(stores);
    if (event) {
      await publishNew(result.task, idempotencyRecord);
      instruments.tasksSubmitted.add(1, { type: input.type });
      await journal.publish(event);
    }
    return result;
  }

  async function mustGet(taskId: string): Promise<TaskRow> {
    const task = await stores.tasks.get(taskId);
    if (!task) throw new NotFoundError("task_not_found", `No task has the id ${taskId}`);
    return task;
  }

  return {
    /**
     * Creates the task, its first event and the link from the request's idempotency record in one
     * transaction, then publishes it: a client retrying after any failure finds either nothing or all.
     */
    submit(input: SubmitInput): Promise<{ task: TaskRow; created: boolean }> {
      // The enqueue span's context is stored with the task and sent with the message: the worker's
      // spans, in whatever process, become its children.
      return withSpan(
        "task.enqueue",
        {
          kind: SpanKind.PRODUCER,
          attributes: { "cloudops.task.type": input.type, "cloudops.entity": input.entityId },
        },
        async (span) => {
          const outcome = await submitNow(input, currentTraceparent());
          span.setAttribute("cloudops.task.id", outcome.task.id);
          span.setAttribute("cloudops.task.created", outcome.created);
          return outcome;
        },
      );
    },

    /**
     * Cancels a queued task (or one awaiting approval) at once, or asks a running one to stop at its
     * next checkpoint.
     */
    async cancel(taskId: string): Promise<{ task: TaskRow; outcome: "cancelled" | "cancelling" }> {
      const task = await mustGet(taskId);
      if (task.status === "queued" || task.status === "awaiting_approval") {
        try {
          const cancelled = await journal.status(
            taskId,
            "cancelled",
            { finishedAt: new Date() },
            { from: [task.status] },
          );
          // A parked task is the head of its lane waiting for a "retry": taking it out (or, where the
          // engine cannot, waking it so the runner sees it cancelled) lets the lane move on now.
          const removed = await queue.remove(taskId).catch(() => false);
          if (!removed && task.status === "awaiting_approval")
            await queue.abort(taskId).catch(() => undefined);
          return { task: cancelled, outcome: "cancelled" };
        } catch (error) {
          if (!(error instanceof IllegalTransitionError)) throw error;
        }
      }
      if (await stores.tasks.requestCancel(taskId)) {
        await journal.log(taskId, "Cancel requested; stopping at the next checkpoint", "warn");
        // The flag in the row is what the runner reads at every step boundary; the abort only hurries it.
        await queue.abort(taskId).catch((error) =>
          logger.warn("abort could not be sent; the runner stops at its next step boundary", {
            taskId,
            error,
          }),
        );
        return { task: await mustGet(taskId), outcome: "cancelling" };
      }
      const now = await mustGet(taskId);
      throw new ConflictError(
        "task_not_cancellable",
        `${taskStateSentence(now.status)}; only queued, running or awaiting-approval tasks can be cancelled`,
      );
    },

    /**
     * Puts a failed task back at the end of its entity's line. Steps that succeeded are kept and
     * skipped unless `fromScratch`. The task gets a fresh attempt budget.
     */
    async retry(taskId: string, options: { fromScratch?: boolean; by?: string } = {}): Promise<TaskRow> {
      const task = await mustGet(taskId);
      if (task.status !== "failed") {
        throw new ConflictError(
          "task_not_retryable",
          `${taskStateSentence(task.status)}; only failed tasks can be retried`,
        );
      }
      // The step reset, the closing of the open dead letter and the move back to queued commit together;
      // the move is conditional (failed -> queued only), so a concurrent retry or a change of status
      // between the check above and here rolls all of it back.
      const queued = await journal.status(
        taskId,
        "queued",
        {
          maxAttempts: task.attempts + attemptsFor(task.type),
          error: null,
          finishedAt: null,
          cancelRequested: false,
          // The retry's request starts the trace the next attempts join (the first one has ended).
          traceContext: currentTraceparent() ?? task.traceContext,
          ...(options.fromScratch ? { result: null } : {}),
        },
        {
          within: async (tx) => {
            await tx.tasks.resetSteps(taskId, options.fromScratch ?? false);
            const letter = await tx.deadLetters.openForTask(taskId);
            if (letter) await tx.deadLetters.resolve(letter.id, "retried", options.by ?? "system");
          },
        },
      );
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
      if (open.status !== "open") {
        throw new ConflictError("dead_letter_resolved", `The dead letter was already ${open.status}`);
      }
      const current = await mustGet(open.taskId);
      if (current.status !== "failed") {
        throw new ConflictError(
          "task_not_retryable",
          `${taskStateSentence(current.status)}; only failed tasks can be retried`,
        );
      }
      // retry() closes the open letter in the transaction that moves the task back to queued.
      const task = await this.retry(open.taskId, { ...options, by });
      const letter = (await stores.deadLetters.get(id)) ?? open;
      return { letter, task };
    },

    async skipDeadLetter(id: string, by: string): Promise<DeadLetterRow> {
      return stores.deadLetters.resolve(id, "skipped", by);
    },

    /** A second person approves the plan the task waits on (see domain/approvals.ts). */
    approve: approvals.approve,
    /** A second person rejects it: the task is cancelled and nothing is applied. */
    reject: approvals.reject,

    async positionOf(taskId: string): Promise<number | null> {
      return queue.positionOf(taskId);
    },

    isTaskType(type: string): type is TaskType {
      return policies.has(type);
    },
  };
}

export type TaskService = ReturnType<typeof createTaskService>;
