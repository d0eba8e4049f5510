import { createRoute } from "@hono/zod-openapi";
import {
  DeadLetterListQuery,
  DeadLetterPageSchema,
  EXAMPLE_DEAD_LETTER,
} from "../../../contracts/dead-letters";
import { decodeCursor } from "../../../db/stores/cursor";
import { ApiError } from "../../problem";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
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
    if (q.cursor && !decodeCursor(q.cursor)) {
      throw new ApiError(400, "invalid_cursor", "Invalid cursor", "Pass the nextCursor of a previous page");
    }
    const page = await kit.deps.stores.deadLetters.list(q);
    return c.json({ items: page.items.map(toDeadLetter), nextCursor: page.nextCursor }, 200);
  });
}
