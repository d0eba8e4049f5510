import type { ApprovalDecision } from "./approval";
import type { TaskStatus } from "./task-status";
import type { StepStatus } from "./task-types";

/** What changed. Every event is persisted (task_events) before it is published. */
export type TaskEventData =
  | {
      kind: "status";
      status: TaskStatus;
      attempts?: number;
      error?: { code: string; message: string } | null;
    }
  | {
      kind: "step";
      index: number;
      name: string;
      status: StepStatus;
      percent: number;
      message?: string | null;
    }
  | { kind: "progress"; index: number; name: string; percent: number; message?: string | null }
  | { kind: "log"; level: LogLevel; step?: string | null; message: string }
  | {
      kind: "approval";
      /** requested: the task waits; approved/rejected: someone decided; expired: nobody did in time. */
      decision: "requested" | ApprovalDecision;
      planSha256: string;
      /** Who decided (null for requested and expired). */
      by: string | null;
      comment: string | null;
      /** requested only: when the request lapses. */
      expiresAt?: string;
    };

export type LogLevel = "debug" | "info" | "warn" | "error";
export type TaskEventKind = TaskEventData["kind"];

export interface TaskEvent {
  /** Global, increasing across all tasks: the id the dashboard stream resumes from. */
  id: number;
  taskId: string;
  /** Per task, increasing without gaps: the id a task stream resumes from. */
  seq: number;
  at: string;
  /** Present on every event so a list view can update a row without reading the task. */
  task: { type: string; entityId: string; status: TaskStatus };
  data: TaskEventData;
}
