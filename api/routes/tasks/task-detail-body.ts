import type { TaskDetail } from "../../../contracts/tasks";
import { DependencyUnavailableError } from "../../../platform/dependency";
import type { RouteKit } from "../../route-kit";
import { toLogLine, toStep, toTask, traceOf } from "./mappers";

const IN_QUEUE = new Set(["queued", "running", "awaiting_approval"]);

/**
 * A task as `GET /api/tasks/{id}` shows it, or null when there is none: the detail read (one
 * statement) and, while the task is in the queue, its position there. Also the representation a
 * task-creating route answers with under `Prefer: return=representation`.
 */
export async function readTaskDetail(kit: RouteKit, id: string): Promise<TaskDetail | null> {
  const detail = await kit.deps.stores.tasks.detail(id);
  if (!detail) return null;
  const queuePosition = IN_QUEUE.has(detail.task.status)
    ? await kit.deps.tasks.positionOf(id).catch((error) => {
        // With the queue's broker down the answer would claim a position it cannot know: 503.
        if (error instanceof DependencyUnavailableError) throw error;
        return null;
      })
    : null;
  return {
    ...toTask(detail.task),
    ...traceOf(detail.task, kit.deps.config.telemetry.traceUrlTemplate),
    steps: detail.steps.map(toStep),
    logs: detail.logs.map(toLogLine),
    queuePosition,
  };
}
