import { createRoute } from "@hono/zod-openapi";
import { ProjectParams } from "../../../contracts/projects";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses, MutationHeaders } from "../shared";

export const route = createRoute({
  method: "delete",
  path: "/api/projects/{id}",
  operationId: "deleteProject",
  tags: ["Projects"],
  summary: "Delete a project with its environments and notification settings (role admin)",
  request: { params: ProjectParams, headers: MutationHeaders },
  responses: { 204: { description: "Deleted" }, ...errorResponses },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.mutate("admin", "project.delete") }, async (c) => {
    await kit.deps.stores.projects.delete(c.req.valid("param").id);
    return c.body(null, 204);
  });
}
