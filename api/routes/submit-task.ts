import type { Context } from "hono";
import type { TaskType } from "../../db/model/task-types";
import type { RouteKit } from "../route-kit";
import type { AppEnv } from "../types";
import { accepted } from "./shared";

/** Hands a new task to the task service as the caller and answers 202 {taskId} with Location. */
export async function submitTask(
  c: Context<AppEnv>,
  kit: RouteKit,
  input: { type: TaskType; entityId: string; payload: Record<string, unknown>; projectId?: string | null },
) {
  const user = c.get("user");
  const { task } = await kit.deps.engine.tasks.submit({
    type: input.type,
    entityId: input.entityId,
    payload: input.payload,
    projectId: input.projectId ?? null,
    requestedBy: user.id,
    source: user.source,
  });
  c.set("audit", { entity: input.entityId, detail: { taskId: task.id, type: input.type } });
  return accepted(c, task.id);
}
