import { createRoute } from "@hono/zod-openapi";
import { EXAMPLE_PROJECT, ProjectListSchema } from "../../../contracts/projects";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";
import { toProject } from "./mappers";

export const route = createRoute({
  method: "get",
  path: "/api/projects",
  operationId: "listProjects",
  tags: ["Projects"],
  summary: "Every project, by name (role viewer)",
  responses: {
    200: {
      description: "Projects",
      content: {
        "application/json": {
          schema: ProjectListSchema,
          example: { items: [EXAMPLE_PROJECT] },
        },
      },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.read("viewer") }, async (c) => {
    const rows = await kit.deps.stores.projects.list();
    return c.json({ items: rows.map(toProject) }, 200);
  });
}
