import { createRoute } from "@hono/zod-openapi";
import { DbInstanceListSchema } from "../../../contracts/databases";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";
import { catalogOf } from "./instance-guard";

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
          schema: DbInstanceListSchema,
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
