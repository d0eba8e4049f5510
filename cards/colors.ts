import type { TaskStatus } from "../domain/model/task-status";
import type { StepStatus } from "../domain/model/task-types";

/** Adaptive Card text colours, as the schema names them. */
export type CardColor = "Default" | "Accent" | "Good" | "Warning" | "Attention";

export const STATUS_COLOR: Record<TaskStatus, CardColor> = {
  queued: "Warning",
  running: "Accent",
  awaiting_approval: "Warning",
  succeeded: "Good",
  failed: "Attention",
  cancelled: "Default",
};

export const STATUS_LABEL: Record<TaskStatus, string> = {
  queued: "Queued",
  running: "Running",
  awaiting_approval: "Awaiting approval",
  succeeded: "Succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
};

export const STEP_COLOR: Record<StepStatus, CardColor> = {
  pending: "Default",
  running: "Accent",
  succeeded: "Good",
  failed: "Attention",
  skipped: "Default",
  cancelled: "Warning",
};

// Plain characters, not emoji: they render the same in every Teams client and in the emulator.
export const STEP_ICON: Record<StepStatus, string> = {
  pending: "○",
  running: "▶",
  succeeded: "✓",
  failed: "✗",
  skipped: "–",
  cancelled: "■",
};

const TYPE_LABEL: Record<string, string> = {
  deploy: "Deployment",
  "db.backup": "Database backup",
  "db.restore": "Database restore",
  "k8s.restart": "Workload restart",
  "sandbox.create": "Sandbox",
  "sandbox.expire": "Sandbox expiry",
};

/** A readable name of a task type; unknown types show as they are. */
export function typeLabel(type: string): string {
  return TYPE_LABEL[type] ?? type;
}
