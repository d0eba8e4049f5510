import { createRoute, z } from "@hono/zod-openapi";
import { DB_ENGINES } from "../../../domain/model/task-types";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";
import { catalogOf } from "./instance-guard";

const InstanceSchema = z
  .object({
    id: z.string().openapi({ example: "orders-db" }),
    engine: z.enum(DB_ENGINES),
    environment: z.string().optional().openapi({ example: "shop/prod" }),
  })
  .openapi("DbInstance");

export const route = createRoute({
  method: "get",
  path: "/api/db/instances",
  operationId: "listDbInstances",
  tags: ["Operations"],
  summary:
    "The databases that may be backed up and restored (DB_INSTANCES; ids and engines only; role viewer)",
  responses: {
    200: {
      description:
        "Configured instances; `simulated` is true in demo mode without DB_INSTANCES (any id is accepted)",
      content: {
        "application/json": {
          schema: z.object({ simulated: z.boolean(), items: z.array(InstanceSchema) }),
          example: {
            simulated: false,
            items: [{ id: "orders-db", engine: "azure-postgres", environment: "shop/prod" }],
          },
        },
      },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.read("viewer") }, async (c) => {
    const catalog = catalogOf(kit.deps.config);
    return c.json({ simulated: catalog.simulated, items: catalog.list() }, 200);
  });
}
