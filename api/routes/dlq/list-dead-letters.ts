import { createRoute, z } from "@hono/zod-openapi";
import { decodeCursor } from "../../../db/stores/cursor";
import { DEAD_LETTER_STATUSES } from "../../../db/stores/dead-letters-store";
import { ApiError } from "../../problem";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";
import { DeadLetterSchema, EXAMPLE_DEAD_LETTER, toDeadLetter } from "./schemas";

const Query = z.object({
  status: z.enum(DEAD_LETTER_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const route = createRoute({
  method: "get",
  path: "/api/dlq",
  operationId: "listDeadLetters",
  tags: ["Dead letters"],
  summary: "Tasks that failed for good, newest first (role viewer)",
  request: { query: Query },
  responses: {
    200: {
      description: "One page of dead letters",
      content: {
        "application/json": {
          schema: z.object({ items: z.array(DeadLetterSchema), nextCursor: z.string().nullable() }),
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
