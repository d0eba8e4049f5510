import { z } from "@hono/zod-openapi";
import { APPROVAL_DECISIONS, MAX_APPROVAL_COMMENT } from "../domain/model/approval";
import { MAX_LOG_LINES_PER_TASK, MAX_PAGE_SIZE } from "../domain/model/limits";
import { TASK_STATUSES } from "../domain/model/task-status";
import { STEP_STATUSES, TASK_SOURCES, TASK_TYPE_NAMES } from "../domain/model/task-types";
import { idSchema, TASK_ID_EXAMPLE } from "./common";

export const TaskIdParams = z.object({ id: idSchema("task", TASK_ID_EXAMPLE) });

const TaskErrorSchema = z
  .object({ code: z.string(), message: z.string(), hint: z.string().optional() })
  .openapi("TaskError");

export const ApprovalSchema = z
  .object({
    planSha256: z.string().openapi({ example: "9f2c…", description: "The plan this approval binds to" }),
    summary: z.string().openapi({ example: "1 to add, 1 to change, 0 unchanged" }),
    lines: z.array(z.string()).openapi({ description: "The plan in brief, one line per object (capped)" }),
    requestedAt: z.string(),
    expiresAt: z.string().openapi({ description: "Undecided after this, the task is cancelled as expired" }),
    decision: z.enum(APPROVAL_DECISIONS).nullable(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    comment: z.string().nullable(),
  })
  .openapi("TaskApproval");

export const EXAMPLE_APPROVAL: z.infer<typeof ApprovalSchema> = {
  planSha256: "4f1d2c0b9a8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817060f1e",
  summary: "0 to add, 1 to change, 1 unchanged",
  lines: ["~ Deployment shop-prod/shop: spec.replicas 2 -> 3", "= Service shop-prod/shop: no changes"],
  requestedAt: "2026-01-05T10:00:00.000Z",
  expiresAt: "2026-01-05T11:00:00.000Z",
  decision: "approved",
  decidedBy: "bob@contoso.com",
  decidedAt: "2026-01-05T10:04:00.000Z",
  comment: "Checked with the team",
};

export const TaskSchema = z
  .object({
    id: z.string().openapi({ example: TASK_ID_EXAMPLE }),
    type: z.enum(TASK_TYPE_NAMES as [string, ...string[]]).openapi({ example: "deploy" }),
    status: z.enum(TASK_STATUSES).openapi({ example: "running" }),
    entityId: z.string().openapi({ example: "env_01jd2x5k8m0000abcdefghjkmn" }),
    projectId: z.string().nullable(),
    requestedBy: z.string().openapi({ example: "alice@contoso.com" }),
    source: z.enum(TASK_SOURCES),
    payload: z.record(z.string(), z.unknown()),
    result: z.record(z.string(), z.unknown()).nullable(),
    error: TaskErrorSchema.nullable(),
    // Optional in the type only so fixtures written before approvals existed still compile; the API
    // always sends it.
    approval: ApprovalSchema.nullable().optional().openapi({
      description:
        "Two-person approval of the plan (production deploys and restores); null when none was needed",
    }),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    cancelRequested: z.boolean(),
    createdAt: z.string().openapi({ example: "2026-01-05T10:00:00.000Z" }),
    updatedAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .openapi("Task");

export const StepSchema = z
  .object({
    index: z.number().int(),
    name: z.string().openapi({ example: "plan" }),
    status: z.enum(STEP_STATUSES),
    percent: z.number().int().min(0).max(100),
    message: z.string().nullable(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .openapi("TaskStep");

export const LogLineSchema = z
  .object({
    seq: z.number().int(),
    at: z.string(),
    level: z.enum(["debug", "info", "warn", "error"]),
    step: z.string().nullable(),
    message: z.string().openapi({ example: "Plan: 2 to update, 0 to add, 0 to destroy" }),
  })
  .openapi("TaskLogLine");

export const TaskDetailSchema = TaskSchema.extend({
  correlationId: z.string().openapi({
    description:
      "The front door's id for the action that created the task: the API request id or the Teams activity id",
    example: "req_4f1c2a9b0d3e5f67",
  }),
  traceId: z
    .string()
    .nullable()
    .openapi({ description: "W3C trace id of the task's trace; null when tracing was off" }),
  traceparent: z.string().nullable().openapi({
    description:
      "W3C traceparent of the span that queued the task, for clients that continue its trace (the bot's card updates)",
  }),
  traceUrl: z
    .string()
    .nullable()
    .openapi({ description: "Link to the trace (TRACE_URL_TEMPLATE); null when unset or untraced" }),
  steps: z.array(StepSchema),
  logs: z.array(LogLineSchema),
  queuePosition: z
    .number()
    .int()
    .nullable()
    .openapi({ description: "0 = running or next for its entity; null when not in the queue" }),
}).openapi("TaskDetail");

/** The HTTP preference (RFC 7240) that asks a task-creating route for the task itself as well. */
export const RETURN_REPRESENTATION = "return=representation";

/**
 * The answer of every route that queues a task: 202 with its id (and a Location header), and the task
 * as it stands when the caller sent `Prefer: return=representation`, which saves the GET that would
 * follow (the bot's reply card is built from it).
 */
export const TaskAcceptedSchema = z
  .object({
    taskId: z.string().openapi({ example: TASK_ID_EXAMPLE }),
    task: TaskDetailSchema.optional().openapi({
      description:
        "Only with `Prefer: return=representation` (then `Preference-Applied` says so): the task as it stood when queued. A replay of an Idempotency-Key answers what the first request answered.",
    }),
  })
  .openapi("TaskAccepted");
export type TaskAccepted = z.infer<typeof TaskAcceptedSchema>;

export const TaskPageSchema = z
  .object({ items: z.array(TaskSchema), nextCursor: z.string().nullable() })
  .openapi("TaskPage");

export const TaskListQuery = z.object({
  status: z.enum(TASK_STATUSES).optional(),
  type: z.enum(TASK_TYPE_NAMES as [string, ...string[]]).optional(),
  entityId: z.string().min(1).max(200).optional().openapi({ example: "azure-postgres/orders" }),
  q: z.string().trim().min(1).max(200).optional().openapi({
    example: "shop/prod",
    description:
      "Free-text search, case-insensitive: task id, type, entity id, entity name (project/environment), requester, or a payload value such as the template",
  }),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
  cursor: z.string().max(200).optional().openapi({ description: "nextCursor of the previous page" }),
});

export const TaskLogsQuery = z.object({
  afterSeq: z.coerce.number().int().min(0).optional().openapi({ description: "Only lines after this seq" }),
  limit: z.coerce.number().int().min(1).max(MAX_LOG_LINES_PER_TASK).default(MAX_LOG_LINES_PER_TASK),
});

export const TaskLogsSchema = z
  .object({ taskId: z.string(), items: z.array(LogLineSchema) })
  .openapi("TaskLogs");

export const RetryTaskRequestSchema = z
  .strictObject({
    fromScratch: z
      .boolean()
      .optional()
      .openapi({ description: "Run every step again instead of skipping those that succeeded" }),
  })
  .openapi("RetryTaskRequest");

const approvalComment = z
  .string()
  .trim()
  .max(MAX_APPROVAL_COMMENT)
  .optional()
  .openapi({ description: "Why; shown on the task, in its events and in the audit log" });

export const ApproveTaskRequestSchema = z
  .strictObject({
    planSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "must be a sha256 in hex")
      .optional()
      .openapi({
        description:
          "The plan checksum the approver saw; refused with plan_changed when the task holds another",
      }),
    comment: approvalComment,
  })
  .openapi("ApproveTaskRequest");

export const RejectTaskRequestSchema = z
  .strictObject({ comment: approvalComment })
  .openapi("RejectTaskRequest");

export const TaskDecisionSchema = z
  .object({
    taskId: z.string().openapi({ example: TASK_ID_EXAMPLE }),
    decision: z.enum(["approved", "rejected"]),
    status: z.enum(TASK_STATUSES).openapi({ description: "queued (approved: it runs next) or cancelled" }),
    approval: ApprovalSchema,
  })
  .openapi("TaskDecision");

export const TaskCancelledSchema = z
  .object({
    taskId: z.string().openapi({ example: TASK_ID_EXAMPLE }),
    outcome: z.enum(["cancelled", "cancelling"]).openapi({
      description: "cancelled: it was still queued; cancelling: it runs and stops at its next checkpoint",
    }),
  })
  .openapi("TaskCancelled");

export const TaskOriginRecordSchema = z
  .object({
    taskId: z.string(),
    conversationRef: z.record(z.string(), z.unknown()).nullable(),
    cardActivityId: z.string().nullable(),
  })
  .openapi("TaskOriginRecord");

export const SetTaskOriginSchema = z
  .strictObject({
    conversationRef: z
      .record(z.string(), z.unknown())
      .openapi({ description: "The Bot Framework conversation reference of the card's conversation" }),
    cardActivityId: z.string().min(1).max(256).openapi({ example: "1736071234567" }),
  })
  .openapi("TaskOrigin");

export const TaskOriginSetSchema = z.object({ taskId: z.string(), cardActivityId: z.string() });

export const TaskStreamInfoSchema = z
  .object({
    taskId: z.string(),
    transport: z.literal("sse"),
    url: z.string(),
    allTasksUrl: z.string(),
    events: z.array(z.string()),
    resume: z.string(),
    heartbeatSeconds: z.number(),
  })
  .openapi("TaskStreamInfo");

export const TaskHistorySchema = z
  .object({
    taskId: z.string().openapi({ example: TASK_ID_EXAMPLE }),
    attempts: z.array(
      z.object({
        attempt: z.number().int().openapi({ example: 1 }),
        startedAt: z.string(),
        finishedAt: z.string().nullable(),
        outcome: z.enum(["running", "retrying", "succeeded", "failed", "cancelled", "handed_back"]),
        error: z.string().nullable().openapi({ example: "injected_failure: Injected failure at plan" }),
      }),
    ),
    actions: z
      .array(
        z.object({
          action: z.string().openapi({ example: "task.cancel" }),
          by: z.string().openapi({ example: "alice@contoso.com" }),
          role: z.string(),
          source: z.string(),
          at: z.string(),
        }),
      )
      .openapi({
        description: "Who cancelled, retried or skipped the task (accepted requests, newest first)",
      }),
    deadLetter: z
      .object({
        id: z.string(),
        status: z.string().openapi({ example: "skipped" }),
        resolvedBy: z.string().nullable(),
        resolvedAt: z.string().nullable(),
      })
      .nullable(),
  })
  .openapi("TaskHistory");

export type Task = z.infer<typeof TaskSchema>;
export type TaskError = NonNullable<Task["error"]>;
export type TaskStep = z.infer<typeof StepSchema>;
export type TaskLogLine = z.infer<typeof LogLineSchema>;
export type TaskDetail = z.infer<typeof TaskDetailSchema>;
export type TaskPage = z.infer<typeof TaskPageSchema>;
/** The filters of GET /api/tasks, as a caller passes them (every one optional). */
export type TaskListQuery = Partial<z.output<typeof TaskListQuery>>;
export type TaskLogsQuery = Partial<z.output<typeof TaskLogsQuery>>;
export type TaskLogs = z.infer<typeof TaskLogsSchema>;
export type RetryTaskRequest = z.infer<typeof RetryTaskRequestSchema>;
export type TaskCancelled = z.infer<typeof TaskCancelledSchema>;
export type TaskApproval = z.infer<typeof ApprovalSchema>;
export type ApproveTaskRequest = z.infer<typeof ApproveTaskRequestSchema>;
export type RejectTaskRequest = z.infer<typeof RejectTaskRequestSchema>;
export type TaskDecision = z.infer<typeof TaskDecisionSchema>;
export type TaskOriginRecord = z.infer<typeof TaskOriginRecordSchema>;
export type SetTaskOrigin = z.infer<typeof SetTaskOriginSchema>;
export type TaskOriginSet = z.infer<typeof TaskOriginSetSchema>;
export type TaskStreamInfo = z.infer<typeof TaskStreamInfoSchema>;
export type TaskHistory = z.infer<typeof TaskHistorySchema>;

export const EXAMPLE_TASK: Task = {
  id: TASK_ID_EXAMPLE,
  type: "deploy",
  status: "running",
  entityId: "env_01jd2x5k8m0000abcdefghjkmn",
  projectId: "prj_01jd2x5k8m0000abcdefghjkmn",
  requestedBy: "alice@contoso.com",
  source: "api",
  payload: {
    projectId: "prj_01jd2x5k8m0000abcdefghjkmn",
    envId: "env_01jd2x5k8m0000abcdefghjkmn",
    templateId: "web-app",
    params: {},
  },
  result: null,
  error: null,
  attempts: 1,
  maxAttempts: 3,
  cancelRequested: false,
  createdAt: "2026-01-05T10:00:00.000Z",
  updatedAt: "2026-01-05T10:00:04.000Z",
  startedAt: "2026-01-05T10:00:01.000Z",
  finishedAt: null,
};
