import { createRoute } from "@hono/zod-openapi";
import { TASK_ID_EXAMPLE } from "../../../contracts/common";
import { TaskIdParams, TaskStreamInfoSchema } from "../../../contracts/tasks";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";

export const route = createRoute({
  method: "get",
  path: "/api/tasks/stream/{id}",
  operationId: "getTaskStreamInfo",
  tags: ["Live"],
  summary: "How to follow a task live: points to its SSE stream (role viewer)",
  description:
    "The original spec names a SignalR hub here. CloudOps streams with Server-Sent Events instead; this answers where and how.",
  request: { params: TaskIdParams },
  responses: {
    200: {
      description: "Where the task's live stream is",
      content: {
        "application/json": {
          schema: TaskStreamInfoSchema,
          example: {
            taskId: TASK_ID_EXAMPLE,
            transport: "sse",
            url: `/api/tasks/${TASK_ID_EXAMPLE}/sse`,
            allTasksUrl: "/api/tasks/sse",
            events: ["status", "step", "progress", "log", "approval", "done"],
            resume: "Send Last-Event-ID (or ?lastEventId=) with the last id you received",
            heartbeatSeconds: 15,
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
    c.header("link", `</api/tasks/${id}/sse>; rel="alternate"; type="text/event-stream"`);
    return c.json(
      {
        taskId: id,
        transport: "sse" as const,
        url: `/api/tasks/${id}/sse`,
        allTasksUrl: "/api/tasks/sse",
        events: ["status", "step", "progress", "log", "approval", "done"],
        resume: "Send Last-Event-ID (or ?lastEventId=) with the last id you received",
        heartbeatSeconds: Math.round((kit.deps.sse?.heartbeatMs ?? 15_000) / 1000),
      },
      200,
    );
  });
}
