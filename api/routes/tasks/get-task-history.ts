import { createRoute } from "@hono/zod-openapi";
import { TaskHistorySchema, TaskIdParams } from "../../../contracts/tasks";
import { attemptHistory } from "../../../domain/model/attempt-history";
import { ApiError } from "../../problem";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses, iso } from "../shared";

// The audit actions that change a task's course, as the run page names them.
const TASK_ACTIONS = new Set(["task.cancel", "task.retry", "dlq.retry", "dlq.skip"]);

export const route = createRoute({
  method: "get",
  path: "/api/tasks/{id}/history",
  operationId: "getTaskHistory",
  tags: ["Tasks"],
  summary: "A task's attempts, who cancelled, retried or skipped it, and its dead letter (role viewer)",
  request: { params: TaskIdParams },
  responses: {
    200: {
      description: "The task's history",
      content: {
        "application/json": {
          schema: TaskHistorySchema,
          example: {
            taskId: "tsk_01jd2x5k8m0000abcdefghjkmn",
            attempts: [
              {
                attempt: 1,
                startedAt: "2026-01-05T10:00:01.000Z",
                finishedAt: "2026-01-05T10:00:03.000Z",
                outcome: "retrying",
                error: "Injected failure at plan",
              },
            ],
            actions: [],
            deadLetter: null,
          },
        },
      },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.read("viewer") }, async (c) => {
    const { id } = c.req.valid("param");
    const { stores } = kit.deps;
    const task = await stores.tasks.get(id);
    if (!task) throw new ApiError(404, "task_not_found", "Task not found", `No task has the id ${id}`);
    const [events, audit, letter] = await Promise.all([
      stores.taskEvents.attemptEvents(id),
      stores.audit.forEntity(task.entityId),
      stores.deadLetters.latestForTask(id),
    ]);
    const actions = audit
      .filter((a) => TASK_ACTIONS.has(a.action) && a.outcome === "accepted" && a.detail?.taskId === id)
      .map((a) => ({
        action: a.action,
        by: a.actor,
        role: a.role,
        source: a.source,
        at: a.at.toISOString(),
      }));
    return c.json(
      {
        taskId: id,
        attempts: attemptHistory(events),
        actions,
        deadLetter: letter
          ? {
              id: letter.id,
              status: letter.status,
              resolvedBy: letter.resolvedBy,
              resolvedAt: iso(letter.resolvedAt),
            }
          : null,
      },
      200,
    );
  });
}
