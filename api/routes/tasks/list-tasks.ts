import { createRoute, z } from "@hono/zod-openapi";
import { decodeCursor } from "../../../db/stores/cursor";
import { MAX_PAGE_SIZE } from "../../../db/stores/tasks-store";
import { TASK_STATUSES } from "../../../domain/model/task-status";
import { TASK_TYPE_NAMES } from "../../../domain/model/task-types";
import { ApiError } from "../../problem";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";
import { EXAMPLE_TASK, TaskPageSchema, toTask } from "./schemas";

const Query = z.object({
  status: z.enum(TASK_STATUSES).optional(),
  type: z.enum(TASK_TYPE_NAMES as [string, ...string[]]).optional(),
  entityId: z.string().min(1).max(200).optional().openapi({ example: "azure-postgres/orders" }),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
  cursor: z.string().max(200).optional().openapi({ description: "nextCursor of the previous page" }),
});

export const route = createRoute({
  method: "get",
  path: "/api/tasks",
  operationId: "listTasks",
  tags: ["Tasks"],
  summary: "List tasks, newest first (cursor pagination; role viewer)",
  request: { query: Query },
  responses: {
    200: {
      description: "One page of tasks",
      content: {
        "application/json": { schema: TaskPageSchema, example: { items: [EXAMPLE_TASK], nextCursor: null } },
      },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.read("viewer") }, async (c) => {
    const q = c.req.valid("query");
    if (q.cursor && !decodeCursor(q.cursor)) {
      throw new ApiError(400, "invalid_cursor", "Invalid cursor", "Pass the nextCursor of a previous page");
    }
    const page = await kit.deps.stores.tasks.list(q);
    return c.json({ items: page.items.map(toTask), nextCursor: page.nextCursor }, 200);
  });
}
