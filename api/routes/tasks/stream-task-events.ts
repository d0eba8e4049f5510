import { createRoute, z } from "@hono/zod-openapi";
import { TaskIdParams } from "../../../contracts/tasks";
import { ApiError } from "../../problem";
import type { RouteKit } from "../../route-kit";
import { streamTask } from "../../sse/task-streams";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";
import { ResumeHeaders, ResumeQuery, resumePoint, SSE_DESCRIPTION, sseExample } from "./stream-schemas";

export const route = createRoute({
  method: "get",
  path: "/api/tasks/{id}/sse",
  operationId: "streamTaskEvents",
  tags: ["Live"],
  summary: "Live events of one task as SSE, ending with `event: done` (role viewer)",
  description: `${SSE_DESCRIPTION} Ids are the task's event seq (1, 2, 3, ... without gaps). When the task ends (or has already ended) a final \`event: done\` with {taskId, status} closes the stream.`,
  request: { params: TaskIdParams, headers: ResumeHeaders, query: ResumeQuery },
  responses: {
    200: {
      description: "The event stream",
      content: {
        "text/event-stream": {
          schema: z.string(),
          example: `${sseExample}\nevent: done\ndata: {"taskId":"tsk_01jd2x5k8m0000abcdefghjkmn","status":"succeeded"}\n`,
        },
      },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.read("viewer") }, async (c) => {
    const { id } = c.req.valid("param");
    const after = resumePoint(c.req.valid("header")["last-event-id"], c.req.valid("query").lastEventId) ?? 0;
    const task = await kit.deps.stores.tasks.get(id);
    if (!task) throw new ApiError(404, "task_not_found", "Task not found", `No task has the id ${id}`);
    return streamTask(c, kit.deps, task, after);
  });
}
