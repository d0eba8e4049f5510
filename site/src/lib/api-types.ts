import type { TaskStatus } from "../../../db/model/task-status";
import type { StepStatus } from "../../../db/model/task-types";

// The JSON shapes of /tmp/api-contract (dates are ISO strings on the wire).

export interface TaskError {
  code: string;
  message: string;
  hint?: string;
}

export interface Task {
  id: string;
  type: string;
  status: TaskStatus;
  entityId: string;
  projectId: string | null;
  requestedBy: string;
  source: string;
  payload: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: TaskError | null;
  attempts: number;
  maxAttempts: number;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface Step {
  index: number;
  name: string;
  status: StepStatus;
  percent: number;
  message: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface LogLine {
  seq: number;
  at: string;
  level: string;
  step: string | null;
  message: string;
}

export interface TaskDetail extends Task {
  steps: Step[];
  logs: LogLine[];
  queuePosition: number | null;
}

export interface Environment {
  id: string;
  projectId: string;
  name: string;
  type: string;
  status: string;
  ttlMinutes: number | null;
  expiresAt: string | null;
}

export interface Project {
  id: string;
  name: string;
  description: string;
  environments?: Environment[];
}

export interface DeadLetter {
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

export interface NotificationSettings {
  teamsWebhookUrl: string | null;
  emailList: string[];
}

/** Lists come back either bare or as {items}; accept both so the page does not care. */
export function itemsOf<T>(body: unknown): T[] {
  if (Array.isArray(body)) return body as T[];
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    for (const key of ["items", "data", "projects", "environments", "deadLetters"]) {
      if (Array.isArray(b[key])) return b[key] as T[];
    }
  }
  return [];
}
