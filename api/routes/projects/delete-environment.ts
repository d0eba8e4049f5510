import { createRoute } from "@hono/zod-openapi";
import { EnvironmentParams } from "../../../contracts/projects";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses, MutationHeaders } from "../shared";
import { mustGetEnvironment } from "./lookup";

export const route = createRoute({
  method: "delete",
  path: "/api/projects/{id}/environments/{envId}",
  operationId: "deleteEnvironment",
  tags: ["Projects"],
  summary: "Delete an environment record (role admin)",
  request: { params: EnvironmentParams, headers: MutationHeaders },
  responses: { 204: { description: "Deleted" }, ...errorResponses },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.mutate("admin", "environment.delete") }, async (c) => {
    const { id, envId } = c.req.valid("param");
    await mustGetEnvironment(kit.deps.stores, id, envId);
    await kit.deps.stores.environments.delete(envId);
    return c.body(null, 204);
  });
}
