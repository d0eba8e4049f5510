import { createRoute } from "@hono/zod-openapi";
import { DeadLetterParams, RetryDeadLetterRequestSchema } from "../../../contracts/dead-letters";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { accepted, acceptedResponse, TaskCreationHeaders } from "../accepted";
import { requireRetryRole } from "../db/prod-restore-guard";
import { errorResponses } from "../shared";

export const route = createRoute({
  method: "post",
  path: "/api/dlq/{id}/retry",
  operationId: "retryDeadLetter",
  tags: ["Dead letters"],
  summary: "Retry the task of a dead letter (role operator: retrying tasks is an operator's job)",
  request: {
    params: DeadLetterParams,
    headers: TaskCreationHeaders,
    body: {
      required: false,
      content: {
        "application/json": { schema: RetryDeadLetterRequestSchema, example: { fromScratch: false } },
      },
    },
  },
  responses: { ...acceptedResponse, ...errorResponses },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.mutate("operator", "dlq.retry") }, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const letter = await kit.deps.stores.deadLetters.get(id);
    if (letter) await requireRetryRole(kit, c.get("user"), await kit.deps.stores.tasks.get(letter.taskId));
    const { task } = await kit.deps.tasks.retryDeadLetter(id, c.get("user").id, {
      fromScratch: body.fromScratch ?? false,
    });
    c.set("audit", { entity: task.entityId, detail: { deadLetterId: id, taskId: task.id } });
    return accepted(c, kit, task.id);
  });
}
