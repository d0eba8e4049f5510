import { z } from "@hono/zod-openapi";
import type { TaskLogRow, TaskRow, TaskStepRow } from "../../../db/rows";
import { TASK_STATUSES } from "../../../domain/model/task-status";
import { STEP_STATUSES, TASK_SOURCES, TASK_TYPE_NAMES } from "../../../domain/model/task-types";
import { idSchema, iso, TASK_ID_EXAMPLE } from "../shared";

export const TaskIdParams = z.object({ id: idSchema("task", TASK_ID_EXAMPLE) });

const TaskErrorSchema = z
  .object({ code: z.string(), message: z.string(), hint: z.string().optional() })
  .openapi("TaskError");

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
  steps: z.array(StepSchema),
  logs: z.array(LogLineSchema),
  queuePosition: z
    .number()
    .int()
    .nullable()
    .openapi({ description: "0 = running or next for its entity; null when not in the queue" }),
}).openapi("TaskDetail");

export const TaskPageSchema = z
  .object({ items: z.array(TaskSchema), nextCursor: z.string().nullable() })
  .openapi("TaskPage");

export type TaskDto = z.infer<typeof TaskSchema>;

/** The public shape of a task (internal columns such as the Teams card reference stay inside). */
export function toTask(row: TaskRow): TaskDto {
  return {
    id: row.id,
    type: row.type,
    status: row.status as TaskDto["status"],
    entityId: row.entityId,
    projectId: row.projectId,
    requestedBy: row.requestedBy,
    source: row.source as TaskDto["source"],
    payload: row.payload,
    result: row.result ?? null,
    error: row.error ?? null,
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    cancelRequested: row.cancelRequested,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
  };
}

export function toStep(row: TaskStepRow): z.infer<typeof StepSchema> {
  return {
    index: row.idx,
    name: row.name,
    status: row.status as z.infer<typeof StepSchema>["status"],
    percent: row.percent,
    message: row.message,
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
  };
}

export function toLogLine(row: TaskLogRow): z.infer<typeof LogLineSchema> {
  return {
    seq: row.seq,
    at: row.at.toISOString(),
    level: row.level as z.infer<typeof LogLineSchema>["level"],
    step: row.step,
    message: row.message,
  };
}

export const EXAMPLE_TASK: TaskDto = {
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
