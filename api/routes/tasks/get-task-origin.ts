import { createRoute } from "@hono/zod-openapi";
import { TASK_ID_EXAMPLE } from "../../../contracts/common";
import { TaskIdParams, TaskOriginRecordSchema } from "../../../contracts/tasks";
import { ApiError } from "../../problem";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";

export const route = createRoute({
  method: "get",
  path: "/api/tasks/{id}/origin",
  operationId: "getTaskOrigin",
  tags: ["Tasks"],
  summary: "Where the Teams card of a task lives (internal callers only; used by the bot's card updater)",
  request: { params: TaskIdParams },
  responses: {
    200: {
      description:
        "The conversation reference and the card's activity id, or nulls when the task has no card",
      content: {
        "application/json": {
          schema: TaskOriginRecordSchema,
          example: {
            taskId: TASK_ID_EXAMPLE,
            conversationRef: {
              conversation: { id: "19:abc@thread.tacv2" },
              serviceUrl: "https://smba.trafficmanager.net/emea/",
            },
            cardActivityId: "1736071234567",
          },
        },
      },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.read("viewer") }, async (c) => {
    // A conversation reference names a tenant, channel and service URL: only the bot needs it.
    if (c.get("user").source !== "bot") {
      throw new ApiError(
        403,
        "internal_callers_only",
        "Not allowed",
        "Only the bot reads a task's card origin",
      );
    }
    const { id } = c.req.valid("param");
    const task = await kit.deps.stores.tasks.get(id);
    if (!task) throw new ApiError(404, "task_not_found", "Task not found", `No task has the id ${id}`);
    return c.json(
      {
        taskId: id,
        conversationRef: task.conversationRef ?? null,
        cardActivityId: task.cardActivityId ?? null,
      },
      200,
    );
  });
}
