import type { Context } from "hono";
import { FAILURE_INJECTION_KEYS } from "../../contracts/common";
import type { TaskType } from "../../domain/model/task-types";
import { ApiError } from "../problem";
import type { RouteKit } from "../route-kit";
import type { AppEnv } from "../types";
import { accepted } from "./accepted";

// An id from the caller's own system (the bot sends the Teams activity id); anything else is ignored.
const CORRELATION_ID = /^[\w.:@/=+-]{1,128}$/;

/** The front door's id for this action: X-Correlation-Id when sane, else the request id. */
function correlationIdOf(c: Context<AppEnv>): string {
  const given = c.req.header("x-correlation-id")?.trim();
  return given && CORRELATION_ID.test(given) ? given : c.get("requestId");
}

/** Hands a new task to the task service as the caller and answers 202 {taskId} with Location. */
export async function submitTask(
  c: Context<AppEnv>,
  kit: RouteKit,
  input: { type: TaskType; entityId: string; payload: Record<string, unknown>; projectId?: string | null },
) {
  const user = c.get("user");
  if (!kit.deps.config.demoMode && FAILURE_INJECTION_KEYS.some((k) => k in input.payload)) {
    throw new ApiError(
      400,
      "failure_injection_disabled",
      "Failure injection is off",
      "failAt, failTimes and failPermanently are accepted in demo mode only (DEMO_MODE=true).",
    );
  }
  // A retry of a request whose first attempt created the task and then failed answers with that task.
  const claim = c.get("idempotency");
  if (claim?.taskId) return accepted(c, kit, claim.taskId);
  const { task } = await kit.deps.tasks.submit({
    type: input.type,
    entityId: input.entityId,
    payload: input.payload,
    projectId: input.projectId ?? null,
    correlationId: correlationIdOf(c),
    requestedBy: user.id,
    source: user.source,
    idempotencyRecord: claim?.key,
  });
  c.set("audit", { entity: input.entityId, detail: { taskId: task.id, type: input.type } });
  return accepted(c, kit, task.id);
}
