import { createRoute } from "@hono/zod-openapi";
import {
  EXAMPLE_PROJECT,
  ProjectParams,
  ProjectSchema,
  UpdateProjectSchema,
} from "../../../contracts/projects";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses, MutationHeaders } from "../shared";
import { toProject } from "./mappers";

export const route = createRoute({
  method: "patch",
  path: "/api/projects/{id}",
  operationId: "updateProject",
  tags: ["Projects"],
  summary: "Rename a project or change its description (role admin)",
  request: {
    params: ProjectParams,
    headers: MutationHeaders,
    body: {
      required: true,
      content: {
        "application/json": { schema: UpdateProjectSchema, example: { description: "Shop front end" } },
      },
    },
  },
  responses: {
    200: {
      description: "Updated",
      content: { "application/json": { schema: ProjectSchema, example: EXAMPLE_PROJECT } },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.mutate("admin", "project.update") }, async (c) => {
    const project = await kit.deps.stores.projects.update(c.req.valid("param").id, c.req.valid("json"));
    return c.json(toProject(project), 200);
  });
}
