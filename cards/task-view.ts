import type { LogLevel } from "../domain/model/events";
import type { TaskStatus } from "../domain/model/task-status";
import type { StepStatus } from "../domain/model/task-types";

// The task as the HTTP API returns it (GET /api/tasks/{id}): plain JSON with ISO dates, not a db row.

export interface TaskStepView {
  index: number;
  name: string;
  status: StepStatus;
  percent: number;
  message: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface TaskLogView {
  seq: number;
  at: string;
  level: LogLevel;
  step: string | null;
  message: string;
}

export interface TaskSummaryView {
  id: string;
  type: string;
  status: TaskStatus;
  entityId: string;
  projectId: string | null;
  requestedBy: string;
  source: string;
  payload: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: { code: string; message: string; hint?: string } | null;
  attempts: number;
  maxAttempts: number;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface TaskView extends TaskSummaryView {
  steps: TaskStepView[];
  logs: TaskLogView[];
  queuePosition: number | null;
}

/** A dead letter as the HTTP API returns it (GET /api/dlq). */
export interface DeadLetterView {
  id: string;
  taskId: string;
  taskType: string;
  entityId: string;
  reason: string;
  attempts: number;
  lastError: string;
  status: string;
  createdAt: string;
}
