import { createRoute } from "@hono/zod-openapi";
import { EXAMPLE_PROJECT, ProjectParams, ProjectSchema } from "../../../contracts/projects";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";
import { mustGetProject } from "./lookup";
import { toProject } from "./mappers";

export const route = createRoute({
  method: "get",
  path: "/api/projects/{id}",
  operationId: "getProject",
  tags: ["Projects"],
  summary: "One project (role viewer)",
  request: { params: ProjectParams },
  responses: {
    200: {
      description: "The project",
      content: { "application/json": { schema: ProjectSchema, example: EXAMPLE_PROJECT } },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.read("viewer") }, async (c) => {
    const project = await mustGetProject(kit.deps.stores, c.req.valid("param").id);
    return c.json(toProject(project), 200);
  });
}
