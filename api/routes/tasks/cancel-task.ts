import { createRoute } from "@hono/zod-openapi";
import { TASK_ID_EXAMPLE } from "../../../contracts/common";
import { TaskCancelledSchema, TaskIdParams } from "../../../contracts/tasks";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses, MutationHeaders } from "../shared";

export const route = createRoute({
  method: "post",
  path: "/api/tasks/{id}/cancel",
  operationId: "cancelTask",
  tags: ["Tasks"],
  summary: "Cancel a queued task, or ask a running one to stop (role operator)",
  request: { params: TaskIdParams, headers: MutationHeaders },
  responses: {
    202: {
      description: "Cancelled or being cancelled",
      content: {
        "application/json": {
          schema: TaskCancelledSchema,
          example: { taskId: TASK_ID_EXAMPLE, outcome: "cancelling" },
        },
      },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.mutate("operator", "task.cancel") }, async (c) => {
    const { id } = c.req.valid("param");
    const { task, outcome } = await kit.deps.tasks.cancel(id);
    c.set("audit", { entity: task.entityId, detail: { taskId: id, outcome } });
    c.header("location", `/api/tasks/${id}`);
    return c.json({ taskId: id, outcome }, 202);
  });
}
