import { createRoute } from "@hono/zod-openapi";
import { RetryTaskRequestSchema, TaskIdParams } from "../../../contracts/tasks";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { accepted, acceptedResponse, TaskCreationHeaders } from "../accepted";
import { requireRetryRole } from "../db/prod-restore-guard";
import { errorResponses } from "../shared";

export const route = createRoute({
  method: "post",
  path: "/api/tasks/{id}/retry",
  operationId: "retryTask",
  tags: ["Tasks"],
  summary: "Put a failed task back in its entity's line (role operator)",
  request: {
    params: TaskIdParams,
    headers: TaskCreationHeaders,
    body: {
      required: false,
      content: { "application/json": { schema: RetryTaskRequestSchema, example: { fromScratch: false } } },
    },
  },
  responses: { ...acceptedResponse, ...errorResponses },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.mutate("operator", "task.retry") }, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    await requireRetryRole(kit, c.get("user"), await kit.deps.stores.tasks.get(id));
    const task = await kit.deps.tasks.retry(id, { fromScratch: body.fromScratch ?? false });
    c.set("audit", { entity: task.entityId, detail: { taskId: id, fromScratch: body.fromScratch ?? false } });
    return accepted(c, kit, task.id);
  });
}
