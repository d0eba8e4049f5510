import type { TaskRow } from "../../db/rows";
import type { Stores } from "../../db/stores/index";
import type { FencedJournal, Journal } from "../../domain/journal";
import { type ApprovalRecord, approvedFor, isExpired } from "../../domain/model/approval";
import type { ProcessResult } from "../../domain/queue-port";
import type { ApprovalRequest } from "../handlers/handler";

export interface ApprovalGateDeps {
  stores: Stores;
  journal: Journal;
  /** How long a request stays open (APPROVAL_TTL_MINUTES). */
  ttlMs: number;
  /**
   * How often a parked task's delivery looks at its row again. Approve, reject and cancel wake it at
   * once through the queue; this is the fallback when that wake-up is lost (another process of the
   * Service Bus engine, a crash), and it ends the wait at the deadline even without the expiry job.
   */
  recheckMs: number;
}

/**
 * The runner's side of two-person approval. A parked task stays at the head of its entity's lane as a
 * delivery waiting for its "retry" (every engine keeps such an item at the head and blocks the rest of
 * the entity), so the lane order survives restarts and crashes the same way retries do: the state is
 * the task row, and any redelivery reads it again.
 */
export function createApprovalGate(deps: ApprovalGateDeps) {
  const { stores, journal } = deps;

  function waitFor(approval: ApprovalRecord, now: Date): ProcessResult {
    const untilDeadline = Date.parse(approval.expiresAt) - now.getTime();
    return { kind: "retry", delayMs: Math.max(10, Math.min(deps.recheckMs, untilDeadline + 10)) };
  }

  return {
    /**
     * A delivery of a task that waits for approval: it expires (cancelled, the lane moves on) or
     * keeps waiting. Null when the task is not waiting.
     */
    async whileParked(task: TaskRow, now = new Date()): Promise<ProcessResult | null> {
      if (task.status !== "awaiting_approval") return null;
      const approval = task.approval;
      if (!approval) return { kind: "retry", delayMs: deps.recheckMs };
      if (isExpired(approval, now)) {
        await expireApproval(journal, task, now);
        return { kind: "done" };
      }
      return waitFor(approval, now);
    },

    /**
     * After the gate step: null when the task may go on (no approval needed, or the plan it holds was
     * approved), else parks it and returns what the queue should do (keep it at the head).
     */
    async check(
      task: TaskRow,
      request: ApprovalRequest | null,
      state: Record<string, unknown>,
      fenced: FencedJournal,
    ) {
      if (!request) return null;
      const fresh = (await stores.tasks.get(task.id)) ?? task;
      const previous = fresh.approval;
      if (approvedFor(previous, request.planSha256) && previous) {
        await fenced.log(
          `Running the plan approved by ${previous.decidedBy ?? "?"} (sha256 ${request.planSha256})`,
        );
        return null;
      }
      if (previous?.decision === "approved") {
        await fenced.log(
          `The plan changed since it was approved (approved sha256 ${previous.planSha256.slice(0, 12)}, now ${request.planSha256.slice(0, 12)}): it needs a new approval`,
          "warn",
        );
      }
      const now = new Date();
      const approval: ApprovalRecord = {
        ...request,
        requestedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + deps.ttlMs).toISOString(),
        decision: null,
        decidedBy: null,
        decidedAt: null,
        comment: null,
      };
      // Waiting does not use up an attempt: the approved run continues with the same attempt number.
      // The delivery lets go of the task's lease: the approved run takes a new one.
      await fenced.status(
        "awaiting_approval",
        {
          approval,
          result: state,
          attempts: Math.max(0, task.attempts - 1),
          leaseToken: null,
          leaseExpiresAt: null,
        },
        {
          events: [
            {
              kind: "approval",
              decision: "requested",
              planSha256: approval.planSha256,
              by: null,
              comment: null,
              expiresAt: approval.expiresAt,
            },
            {
              kind: "log",
              level: "warn",
              step: null,
              message: `Waiting for approval of plan sha256 ${approval.planSha256} (${approval.summary}) by an operator or admin other than ${task.requestedBy}, until ${approval.expiresAt}`,
            },
          ],
        },
      );
      return waitFor(approval, now);
    },
  };
}

export type ApprovalGateRunner = ReturnType<typeof createApprovalGate>;

/**
 * Cancels a task whose approval request lapsed (the runner at its next look, or the expiry job,
 * whichever comes first; the conditional move lets only one of them record it). True when this call did.
 */
export async function expireApproval(journal: Journal, task: TaskRow, now = new Date()): Promise<boolean> {
  const approval = task.approval;
  if (!approval) return false;
  try {
    await journal.status(
      task.id,
      "cancelled",
      {
        finishedAt: now,
        approval: { ...approval, decision: "expired", decidedAt: now.toISOString() },
        error: {
          code: "approval_expired",
          message: `Nobody approved the plan before ${approval.expiresAt}`,
          hint: "Submit it again and ask an operator or admin to approve it in time",
        },
      },
      {
        from: ["awaiting_approval"],
        events: [
          { kind: "approval", decision: "expired", planSha256: approval.planSha256, by: null, comment: null },
          {
            kind: "log",
            level: "warn",
            step: null,
            message: `Approval expired at ${approval.expiresAt}: nobody approved the plan, task cancelled`,
          },
        ],
      },
    );
  } catch {
    return false; // decided, cancelled or expired by someone else in the meantime
  }
  return true;
}
