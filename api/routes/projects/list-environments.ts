import { createRoute } from "@hono/zod-openapi";
import { EnvironmentListSchema, EXAMPLE_ENVIRONMENT, ProjectParams } from "../../../contracts/projects";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";
import { mustGetProject } from "./lookup";
import { toEnvironment } from "./mappers";

export const route = createRoute({
  method: "get",
  path: "/api/projects/{id}/environments",
  operationId: "listEnvironments",
  tags: ["Projects"],
  summary: "A project's environments, by name (role viewer)",
  request: { params: ProjectParams },
  responses: {
    200: {
      description: "Environments",
      content: {
        "application/json": {
          schema: EnvironmentListSchema,
          example: { items: [EXAMPLE_ENVIRONMENT] },
        },
      },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.read("viewer") }, async (c) => {
    const project = await mustGetProject(kit.deps.stores, c.req.valid("param").id);
    const rows = await kit.deps.stores.environments.listByProject(project.id);
    return c.json({ items: rows.map(toEnvironment) }, 200);
  });
}
