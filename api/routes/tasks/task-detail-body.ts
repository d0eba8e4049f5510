import type { TaskDetail } from "../../../contracts/tasks";
import { isTaskStatus, isTerminal } from "../../../domain/model/task-status";
import { DependencyUnavailableError } from "../../../platform/dependency";
import type { RouteKit } from "../../route-kit";
import { toTaskDetail } from "./mappers";

/**
 * A task as `GET /api/tasks/{id}` shows it, or null when there is none: the detail read (one
 * statement) and, while the task is in the queue, its position there. Also the representation a
 * task-creating route answers with under `Prefer: return=representation`.
 */
export async function readTaskDetail(kit: RouteKit, id: string): Promise<TaskDetail | null> {
  const detail = await kit.deps.stores.tasks.detail(id);
  if (!detail) return null;
  // A task that has not ended holds a place in its entity's line.
  const { status } = detail.task;
  const queuePosition =
    isTaskStatus(status) && !isTerminal(status)
      ? await kit.deps.tasks.positionOf(id).catch((error) => {
          // With the queue's broker down the answer would claim a position it cannot know: 503.
          if (error instanceof DependencyUnavailableError) throw error;
          return null;
        })
      : null;
  return toTaskDetail(detail, queuePosition, kit.deps.config.telemetry.traceUrlTemplate);
}
