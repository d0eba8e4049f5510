import type { TaskDetail } from "../../../contracts/tasks";
import type { ApiClient } from "./api-client";
import { newIdempotencyKey } from "./forms";
import { planPanel } from "./plan-panel";
import type { Role } from "./site-locals";

/** Whether the task page shows a plan section for this task (a deploy or restore past its plan). */
export function hasPlan(task: TaskDetail): boolean {
  return task.approval != null || typeof task.result?.planSha256 === "string";
}

/** The plan section as the task page renders it into #plan-slot (empty when the task has no plan yet). */
export async function planSlot(
  api: ApiClient,
  task: TaskDetail,
  who: { user: string; role: Role; csrf: string },
): Promise<string> {
  if (!hasPlan(task)) return "";
  const result = await api.getTaskPlan(task.id);
  return planPanel(task, result.ok ? result.data : null, { ...who, idempotencyKey: newIdempotencyKey() })
    .value;
}
