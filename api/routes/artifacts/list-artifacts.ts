import { createRoute, z } from "@hono/zod-openapi";
import { ArtifactSchema, EXAMPLE_ARTIFACT } from "../../../contracts/artifacts";
import { DB_ENGINES } from "../../../domain/model/task-types";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";
import { toArtifact } from "./mappers";

const Query = z.object({
  instanceId: z.string().max(63).optional().openapi({ description: "Only artifacts of this instance" }),
  engine: z.enum(DB_ENGINES).optional(),
  kind: z.enum(["backup", "plan"]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const route = createRoute({
  method: "get",
  path: "/api/artifacts",
  operationId: "listArtifacts",
  tags: ["Artifacts"],
  summary: "Backups and plans, newest first, with size, sha256 and how they were made (role viewer)",
  request: { query: Query },
  responses: {
    200: {
      description: "Artifacts",
      content: {
        "application/json": {
          schema: z.object({ items: z.array(ArtifactSchema) }),
          example: { items: [EXAMPLE_ARTIFACT] },
        },
      },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.read("viewer") }, async (c) => {
    const rows = await kit.deps.stores.artifacts.list(c.req.valid("query"));
    return c.json({ items: rows.map(toArtifact) }, 200);
  });
}
