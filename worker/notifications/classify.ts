import type { EnvironmentRow, TaskRow } from "../../db/rows";
import { DEFAULT_NOTIFY_ON, type NotifyOn } from "../../domain/model/notify-on";

/** Which notify-on outcome a finished task is; null for a status that is not terminal. */
export function classify(
  task: Pick<TaskRow, "type" | "status">,
  environment: Pick<EnvironmentRow, "type"> | null,
): NotifyOn | null {
  if (task.status === "failed") return "failed";
  if (task.status === "cancelled") return "cancelled";
  if (task.status !== "succeeded") return null;
  if (task.type === "sandbox.expire") return "sandbox-expired";
  if (task.type === "deploy" && environment?.type === "prod") return "prod-deploy-succeeded";
  return "succeeded";
}

const SUCCESSES: readonly NotifyOn[] = ["succeeded", "prod-deploy-succeeded", "sandbox-expired"];

/** Whether a project's choice (null: the default) asks for this outcome; "succeeded" covers every success. */
export function wants(notifyOn: readonly string[] | null | undefined, outcome: NotifyOn): boolean {
  const chosen = notifyOn ?? DEFAULT_NOTIFY_ON;
  if (chosen.includes(outcome)) return true;
  return chosen.includes("succeeded") && SUCCESSES.includes(outcome);
}
