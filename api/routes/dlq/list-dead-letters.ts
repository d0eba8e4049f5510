import { createRoute } from "@hono/zod-openapi";
import {
  DeadLetterListQuery,
  DeadLetterPageSchema,
  EXAMPLE_DEAD_LETTER,
} from "../../../contracts/dead-letters";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { requireValidCursor } from "../cursor-guard";
import { errorResponses } from "../shared";
import { toDeadLetter } from "./mappers";

export const route = createRoute({
  method: "get",
  path: "/api/dlq",
  operationId: "listDeadLetters",
  tags: ["Dead letters"],
  summary: "Tasks that failed for good, newest first (role viewer)",
  request: { query: DeadLetterListQuery },
  responses: {
    200: {
      description: "One page of dead letters",
      content: {
        "application/json": {
          schema: DeadLetterPageSchema,
          example: { items: [EXAMPLE_DEAD_LETTER], nextCursor: null },
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
    const page = await kit.deps.stores.deadLetters.list(q);
    return c.json({ items: page.items.map(toDeadLetter), nextCursor: page.nextCursor }, 200);
  });
}
