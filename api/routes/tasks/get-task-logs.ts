import { createRoute } from "@hono/zod-openapi";
import { TaskIdParams, TaskLogsQuery, TaskLogsSchema } from "../../../contracts/tasks";
import { MAX_LOG_LINES_PER_TASK } from "../../../db/stores/task-events-store";
import { ApiError } from "../../problem";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";
import { toLogLine } from "./mappers";

export const route = createRoute({
  method: "get",
  path: "/api/tasks/{id}/logs",
  operationId: "getTaskLogs",
  tags: ["Tasks"],
  summary: `A task's log lines in order (the last ${MAX_LOG_LINES_PER_TASK} are kept; role viewer)`,
  request: { params: TaskIdParams, query: TaskLogsQuery },
  responses: {
    200: {
      description: "Log lines",
      content: {
        "application/json": {
          schema: TaskLogsSchema,
          example: {
            taskId: "tsk_01jd2x5k8m0000abcdefghjkmn",
            items: [
              {
                seq: 3,
                at: "2026-01-05T10:00:01.000Z",
                level: "info",
                step: null,
                message: "Attempt 1 of 3 starting",
              },
            ],
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
    const q = c.req.valid("query");
    if (!(await kit.deps.stores.tasks.get(id))) {
      throw new ApiError(404, "task_not_found", "Task not found", `No task has the id ${id}`);
    }
    const rows = await kit.deps.stores.taskEvents.logs(id, { afterSeq: q.afterSeq, limit: q.limit });
    return c.json({ taskId: id, items: rows.map(toLogLine) }, 200);
  });
}
