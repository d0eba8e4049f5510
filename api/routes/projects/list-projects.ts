import { createRoute, z } from "@hono/zod-openapi";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";
import { EXAMPLE_PROJECT, ProjectSchema, toProject } from "./schemas";

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
          schema: z.object({ items: z.array(ProjectSchema) }),
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
