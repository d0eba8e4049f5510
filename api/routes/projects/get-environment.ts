import { createRoute } from "@hono/zod-openapi";
import { EnvironmentParams, EnvironmentSchema, EXAMPLE_ENVIRONMENT } from "../../../contracts/projects";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";
import { mustGetEnvironment } from "./lookup";
import { toEnvironment } from "./mappers";

export const route = createRoute({
  method: "get",
  path: "/api/projects/{id}/environments/{envId}",
  operationId: "getEnvironment",
  tags: ["Projects"],
  summary: "One environment of a project (role viewer)",
  request: { params: EnvironmentParams },
  responses: {
    200: {
      description: "The environment",
      content: { "application/json": { schema: EnvironmentSchema, example: EXAMPLE_ENVIRONMENT } },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.read("viewer") }, async (c) => {
    const { id, envId } = c.req.valid("param");
    return c.json(toEnvironment(await mustGetEnvironment(kit.deps.stores, id, envId)), 200);
  });
}
