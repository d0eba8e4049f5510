import { createRoute, type z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { TASK_ID_EXAMPLE } from "../../../contracts/common";
import { EXAMPLE_APPROVAL, TaskDecisionSchema, TaskIdParams } from "../../../contracts/tasks";
import type { TaskRow } from "../../../db/rows";
import { ApprovalRefusedError } from "../../../domain/approvals";
import { ApiError } from "../../problem";
import type { AppEnv } from "../../types";
import { errorResponses, MutationHeaders } from "../shared";

const TITLES: Record<string, string> = {
  self_approval_forbidden: "You cannot approve your own task",
  not_awaiting_approval: "The task is not awaiting approval",
  approval_expired: "The approval request has expired",
  plan_changed: "The plan changed",
};

/** The refusals of approve and reject, as the OpenAPI description lists them. */
export const REFUSALS = {
  self_approval_forbidden:
    "403: the caller requested the task; approve needs a second operator or admin (no self-approval)",
  not_awaiting_approval: "409: the task is not (or no longer) awaiting approval",
  approval_expired: "409: APPROVAL_TTL_MINUTES passed; the task is cancelled as expired",
  plan_changed: "409: planSha256 differs from the plan the task waits on; review the new plan",
};

/** The problem+json of a refused decision (stable codes: self_approval_forbidden, plan_changed, ...). */
export function approvalProblem(error: unknown): unknown {
  if (!(error instanceof ApprovalRefusedError)) return error;
  return new ApiError(
    error.status,
    error.code,
    TITLES[error.code] ?? "Approval refused",
    error.message,
    error.hint ? { hint: error.hint } : {},
  );
}

/** POST /api/tasks/{id}/approve or /reject: the same shape, one decision each. */
export function decisionRoute<Body extends z.ZodType>(spec: {
  decision: "approved" | "rejected";
  operationId: string;
  summary: string;
  refusals: Array<keyof typeof REFUSALS>;
  body: Body;
  bodyExample: z.infer<Body>;
  answer: string;
}) {
  const verb = spec.decision === "approved" ? "approve" : "reject";
  const status = spec.decision === "approved" ? "queued" : "cancelled";
  return createRoute({
    method: "post",
    path: `/api/tasks/{id}/${verb}`,
    operationId: spec.operationId,
    tags: ["Tasks"],
    summary: spec.summary,
    description: `Refusals: ${spec.refusals.map((code) => `\`${code}\` (${REFUSALS[code]})`).join("; ")}.`,
    request: {
      params: TaskIdParams,
      headers: MutationHeaders,
      body: {
        required: false,
        content: { "application/json": { schema: spec.body, example: spec.bodyExample } },
      },
    },
    responses: {
      202: {
        description: spec.answer,
        headers: {
          Location: {
            description: "The task: /api/tasks/{taskId}",
            schema: { type: "string" as const, example: `/api/tasks/${TASK_ID_EXAMPLE}` },
          },
        },
        content: {
          "application/json": {
            schema: TaskDecisionSchema,
            example: {
              taskId: TASK_ID_EXAMPLE,
              decision: spec.decision,
              status,
              approval: { ...EXAMPLE_APPROVAL, decision: spec.decision },
            },
          },
        },
      },
      ...errorResponses,
    },
  });
}

/** The 202 of a decision, with the audit row's details (who decided is the audit row's actor). */
export function decided(c: Context<AppEnv>, task: TaskRow, decision: "approved" | "rejected") {
  const approval = task.approval;
  if (!approval) throw new Error(`a task that was ${decision} has its approval`);
  c.set("audit", {
    entity: task.entityId,
    detail: { taskId: task.id, decision, planSha256: approval.planSha256, comment: approval.comment },
  });
  c.header("location", `/api/tasks/${task.id}`);
  return c.json({ taskId: task.id, decision, status: task.status as "queued" | "cancelled", approval }, 202);
}
