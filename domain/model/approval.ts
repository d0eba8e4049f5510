/**
 * Two-person approval of a production change. A deploy (after its plan) or a restore (after its
 * artifact check) into an environment that requires approval parks in `awaiting_approval` with one
 * of these on the task. The approval binds to `planSha256`: the worker runs the rest only when the
 * decision is `approved` for the plan it holds now; a new plan needs a new approval.
 */
export const APPROVAL_DECISIONS = ["approved", "rejected", "expired"] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

export interface ApprovalRecord {
  /** The sha256 of the plan the approver sees (deploy: the plan artifact; restore: its plan text). */
  planSha256: string;
  /** One line, e.g. "1 to add, 1 to change, 0 unchanged"; the plan itself is on the task page. */
  summary: string;
  /** The plan in brief, for cards and the task page: one line per object or action (capped). */
  lines: string[];
  requestedAt: string;
  /** After this the approval is refused and the task is cancelled as expired (APPROVAL_TTL_MINUTES). */
  expiresAt: string;
  decision: ApprovalDecision | null;
  decidedBy: string | null;
  decidedAt: string | null;
  comment: string | null;
}

/** Most plan lines an approval keeps (the full plan stays in its artifact and the logs). */
export const MAX_APPROVAL_LINES = 50;
/** Longest approval comment accepted (characters). */
export const MAX_APPROVAL_COMMENT = 500;

/** Roles that may approve or reject (never the requester: no self-approval). */
export const APPROVER_ROLES = ["operator", "admin"] as const;

/** Whether `approval` lets the task run its plan `planSha256` now. */
export function approvedFor(approval: ApprovalRecord | null | undefined, planSha256: string): boolean {
  return approval?.decision === "approved" && approval.planSha256 === planSha256;
}

/** Whether an undecided approval request has passed its deadline. */
export function isExpired(approval: ApprovalRecord, now: Date): boolean {
  return approval.decision === null && Date.parse(approval.expiresAt) <= now.getTime();
}

/** Whether an environment's changes need a second person: every prod, and any that asks for it. */
export function environmentNeedsApproval(env: { type: string; requiresApproval?: boolean | null }): boolean {
  return env.type === "prod" || env.requiresApproval === true;
}
