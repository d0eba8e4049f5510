import { createRoute } from "@hono/zod-openapi";
import { EXAMPLE_TASK, TaskListQuery, TaskPageSchema } from "../../../contracts/tasks";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { requireValidCursor } from "../cursor-guard";
import { errorResponses } from "../shared";
import { toTask } from "./mappers";

export const route = createRoute({
  method: "get",
  path: "/api/tasks",
  operationId: "listTasks",
  tags: ["Tasks"],
  summary: "List tasks, newest first (cursor pagination; role viewer)",
  request: { query: TaskListQuery },
  responses: {
    200: {
      description: "One page of tasks",
      content: {
        "application/json": {
          schema: TaskPageSchema,
          example: { items: [EXAMPLE_TASK], nextCursor: null },
        },
      },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.read("viewer") }, async (c) => {
    const q = c.req.valid("query");
    requireValidCursor(q.cursor);
    const page = await kit.deps.stores.tasks.list(q);
    return c.json({ items: page.items.map(toTask), nextCursor: page.nextCursor }, 200);
  });
}
