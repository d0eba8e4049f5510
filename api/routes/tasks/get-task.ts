import { createRoute } from "@hono/zod-openapi";
import { EXAMPLE_TASK, TaskDetailSchema, TaskIdParams } from "../../../contracts/tasks";
import { ApiError } from "../../problem";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";
import { readTaskDetail } from "./task-detail-body";

export const route = createRoute({
  method: "get",
  path: "/api/tasks/{id}",
  operationId: "getTask",
  tags: ["Tasks"],
  summary: "A task with its steps, last log lines and queue position (role viewer)",
  request: { params: TaskIdParams },
  responses: {
    200: {
      description: "The task",
      content: {
        "application/json": {
          schema: TaskDetailSchema,
          example: {
            ...EXAMPLE_TASK,
            correlationId: "req_4f1c2a9b0d3e5f67",
            traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
            traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            traceUrl: null,
            steps: [
              {
                index: 0,
                name: "validate",
                status: "succeeded",
                percent: 100,
                message: null,
                startedAt: "2026-01-05T10:00:01.000Z",
                finishedAt: "2026-01-05T10:00:02.000Z",
              },
              {
                index: 1,
                name: "plan",
                status: "running",
                percent: 40,
                message: "Computing changes (1/3)",
                startedAt: "2026-01-05T10:00:02.000Z",
                finishedAt: null,
              },
              {
                index: 2,
                name: "apply",
                status: "pending",
                percent: 0,
                message: null,
                startedAt: null,
                finishedAt: null,
              },
            ],
            logs: [
              {
                seq: 4,
                at: "2026-01-05T10:00:02.000Z",
                level: "info",
                step: "validate",
                message: "Deploying template web-app to shop/prod (prod)",
              },
            ],
            queuePosition: 0,
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
    const detail = await readTaskDetail(kit, id);
    if (!detail) throw new ApiError(404, "task_not_found", "Task not found", `No task has the id ${id}`);
    return c.json(detail, 200);
  });
}
