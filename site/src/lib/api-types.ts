import type {
  DeadLetterView,
  TaskLogView,
  TaskStepView,
  TaskSummaryView,
  TaskView,
} from "../../../cards/task-view";

// The JSON shapes of the HTTP API (dates are ISO strings on the wire). Task shapes are the ones the
// cards room already declares for the same API answers.

export type Task = TaskSummaryView;
export type TaskError = NonNullable<Task["error"]>;
export type Step = TaskStepView;
export type LogLine = TaskLogView;
export type TaskDetail = TaskView;

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

export type DeadLetter = DeadLetterView;

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
