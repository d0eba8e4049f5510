import { createRoute } from "@hono/zod-openapi";
import { DeadLetterParams, DeadLetterSchema, EXAMPLE_DEAD_LETTER } from "../../../contracts/dead-letters";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses, MutationHeaders } from "../shared";
import { toDeadLetter } from "./mappers";

export const route = createRoute({
  method: "post",
  path: "/api/dlq/{id}/skip",
  operationId: "skipDeadLetter",
  tags: ["Dead letters"],
  summary: "Close a dead letter without retrying it (role admin)",
  request: { params: DeadLetterParams, headers: MutationHeaders },
  responses: {
    200: {
      description: "The dead letter, now skipped",
      content: {
        "application/json": {
          schema: DeadLetterSchema,
          example: {
            ...EXAMPLE_DEAD_LETTER,
            status: "skipped",
            resolvedBy: "alice@contoso.com",
            resolvedAt: "2026-01-05T11:00:00.000Z",
          },
        },
      },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.mutate("admin", "dlq.skip") }, async (c) => {
    const { id } = c.req.valid("param");
    const letter = await kit.deps.tasks.skipDeadLetter(id, c.get("user").id);
    c.set("audit", { entity: letter.entityId, detail: { deadLetterId: id, taskId: letter.taskId } });
    return c.json(toDeadLetter(letter), 200);
  });
}
