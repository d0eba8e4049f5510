import { createRoute } from "@hono/zod-openapi";
import { CreateProjectSchema, EXAMPLE_PROJECT, ProjectSchema } from "../../../contracts/projects";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses, MutationHeaders } from "../shared";
import { toProject } from "./mappers";

export const route = createRoute({
  method: "post",
  path: "/api/projects",
  operationId: "createProject",
  tags: ["Projects"],
  summary: "Create a project (role admin)",
  request: {
    headers: MutationHeaders,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: CreateProjectSchema,
          example: { name: "shop", description: "Web shop and its APIs" },
        },
      },
    },
  },
  responses: {
    201: {
      description: "Created",
      content: { "application/json": { schema: ProjectSchema, example: EXAMPLE_PROJECT } },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.mutate("admin", "project.create") }, async (c) => {
    const project = await kit.deps.stores.projects.create(c.req.valid("json"));
    c.set("audit", { entity: project.id, detail: { name: project.name } });
    c.header("location", `/api/projects/${project.id}`);
    return c.json(toProject(project), 201);
  });
}
