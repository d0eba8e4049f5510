import { createRoute } from "@hono/zod-openapi";
import { TASK_ID_EXAMPLE } from "../../../contracts/common";
import { SetTaskOriginSchema, TaskIdParams, TaskOriginSetSchema } from "../../../contracts/tasks";
import { ApiError } from "../../problem";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses, MutationHeaders } from "../shared";

export const route = createRoute({
  method: "put",
  path: "/api/tasks/{id}/origin",
  operationId: "setTaskOrigin",
  tags: ["Tasks"],
  summary:
    "Record where the Teams card of a task lives, so it can be updated (role operator; used by the bot)",
  request: {
    params: TaskIdParams,
    headers: MutationHeaders,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: SetTaskOriginSchema,
          example: {
            conversationRef: {
              conversation: { id: "19:abc@thread.tacv2" },
              serviceUrl: "https://smba.trafficmanager.net/emea/",
            },
            cardActivityId: "1736071234567",
          },
        },
      },
    },
  },
  responses: {
    200: {
      description: "Recorded",
      content: {
        "application/json": {
          schema: TaskOriginSetSchema,
          example: { taskId: TASK_ID_EXAMPLE, cardActivityId: "1736071234567" },
        },
      },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.mutate("operator", "task.origin") }, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const task = await kit.deps.stores.tasks.get(id);
    if (!task) throw new ApiError(404, "task_not_found", "Task not found", `No task has the id ${id}`);
    await kit.deps.stores.tasks.setOrigin(id, body.conversationRef, body.cardActivityId);
    c.set("audit", { entity: task.entityId, detail: { taskId: id } });
    return c.json({ taskId: id, cardActivityId: body.cardActivityId }, 200);
  });
}
