import { NotFoundError, StoreError } from "../db/errors";
import type { TaskRow } from "../db/rows";
import type { Stores } from "../db/stores/index";
import type { Journal } from "./journal";
import { type ApprovalRecord, isExpired } from "./model/approval";
import { IllegalTransitionError } from "./model/task-status";
import type { TaskQueue } from "./queue-port";

/** A decision the approval rules refuse; `status` is the HTTP status the API answers with. */
export class ApprovalRefusedError extends StoreError {
  constructor(
    readonly status: 403 | 409,
    code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(code, message);
    this.name = "ApprovalRefusedError";
  }
}

export interface Decider {
  /** The user id, compared with the task's requestedBy (no self-approval). */
  id: string;
}

export interface DecisionInput {
  comment?: string | null;
  /** The plan checksum the approver looked at; a different one on the task is plan_changed. */
  planSha256?: string;
}

/**
 * Approve and reject: the second person's half of two-person approval (the worker parks the task,
 * worker/runner/approval-gate.ts). A decision is one conditional status move out of
 * awaiting_approval with its events, so two people deciding at once cannot both win. Approval puts
 * the task back to queued at the head of its lane and wakes its parked delivery; rejection cancels it.
 */
export function createApprovalService(deps: {
  stores: Stores;
  queue: TaskQueue;
  journal: Journal;
  clock?: () => Date;
}) {
  const { stores, queue, journal } = deps;
  const now = () => deps.clock?.() ?? new Date();

  async function waiting(
    taskId: string,
    by: Decider,
    verb: string,
  ): Promise<{ task: TaskRow; approval: ApprovalRecord }> {
    const task = await stores.tasks.get(taskId);
    if (!task) throw new NotFoundError("task_not_found", `No task has the id ${taskId}`);
    const approval = task.approval;
    if (task.status !== "awaiting_approval" || !approval) {
      const decided = approval?.decision
        ? ` (${approval.decision}${approval.decidedBy ? ` by ${approval.decidedBy}` : ""})`
        : "";
      throw new ApprovalRefusedError(
        409,
        "not_awaiting_approval",
        `The task is ${task.status}${decided}; only a task awaiting approval can be ${verb}`,
      );
    }
    if (isExpired(approval, now())) {
      throw new ApprovalRefusedError(
        409,
        "approval_expired",
        `The approval request lapsed at ${approval.expiresAt}`,
        "Submit the task again for a new plan and approval",
      );
    }
    if (verb === "approved" && task.requestedBy === by.id) {
      throw new ApprovalRefusedError(
        403,
        "self_approval_forbidden",
        "You requested this task, so you cannot approve it: a second person must",
        "Ask another operator or admin to approve it",
      );
    }
    return { task, approval };
  }

  /** Moves the task out of awaiting_approval with the decision; a lost race reads as not_awaiting_approval. */
  async function decide(
    task: TaskRow,
    to: "queued" | "cancelled",
    decided: ApprovalRecord,
    message: string,
    extra: Partial<Pick<TaskRow, "error" | "finishedAt">> = {},
  ): Promise<TaskRow> {
    const decision = decided.decision === "approved" ? "approved" : "rejected";
    try {
      return await journal.status(
        task.id,
        to,
        { approval: decided, ...extra },
        {
          from: ["awaiting_approval"],
          events: [
            {
              kind: "approval",
              decision,
              planSha256: decided.planSha256,
              by: decided.decidedBy,
              comment: decided.comment,
            },
            { kind: "log", level: "info", step: null, message },
          ],
        },
      );
    } catch (error) {
      if (!(error instanceof IllegalTransitionError)) throw error;
      throw new ApprovalRefusedError(
        409,
        "not_awaiting_approval",
        `The task is ${error.from} now: someone decided or cancelled it first`,
      );
    }
  }

  /** Wakes the parked delivery so the decision takes effect now rather than at its next look. */
  async function wake(taskId: string): Promise<void> {
    await queue.abort(taskId).catch(() => undefined);
  }

  return {
    async approve(taskId: string, by: Decider, input: DecisionInput = {}) {
      const { task, approval } = await waiting(taskId, by, "approved");
      if (input.planSha256 && input.planSha256 !== approval.planSha256) {
        throw new ApprovalRefusedError(
          409,
          "plan_changed",
          `The task now waits on plan sha256 ${approval.planSha256}, not ${input.planSha256}`,
          "Reload the task and review the current plan before approving",
        );
      }
      const comment = input.comment?.trim() || null;
      const decided: ApprovalRecord = {
        ...approval,
        decision: "approved",
        decidedBy: by.id,
        decidedAt: now().toISOString(),
        comment,
      };
      const moved = await decide(
        task,
        "queued",
        decided,
        `Approved by ${by.id} (plan sha256 ${approval.planSha256})${comment ? `: ${comment}` : ""}`,
      );
      await wake(taskId);
      return moved;
    },

    async reject(taskId: string, by: Decider, input: DecisionInput = {}) {
      const { task, approval } = await waiting(taskId, by, "rejected");
      const comment = input.comment?.trim() || null;
      const at = now();
      const decided: ApprovalRecord = {
        ...approval,
        decision: "rejected",
        decidedBy: by.id,
        decidedAt: at.toISOString(),
        comment,
      };
      const moved = await decide(
        task,
        "cancelled",
        decided,
        `Rejected by ${by.id}${comment ? `: ${comment}` : ""}; nothing was applied`,
        {
          finishedAt: at,
          error: {
            code: "approval_rejected",
            message: `Rejected by ${by.id}${comment ? `: ${comment}` : ""}`,
          },
        },
      );
      await wake(taskId);
      return moved;
    },
  };
}

export type ApprovalService = ReturnType<typeof createApprovalService>;
