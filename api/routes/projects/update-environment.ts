import { createRoute } from "@hono/zod-openapi";
import {
  EnvironmentParams,
  EnvironmentSchema,
  EXAMPLE_ENVIRONMENT,
  UpdateEnvironmentSchema,
} from "../../../contracts/projects";
import { ApiError } from "../../problem";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses, MutationHeaders } from "../shared";
import { mustGetEnvironment } from "./lookup";
import { toEnvironment } from "./mappers";

export const route = createRoute({
  method: "patch",
  path: "/api/projects/{id}/environments/{envId}",
  operationId: "updateEnvironment",
  tags: ["Projects"],
  summary: "Rename an environment or change its type (role admin)",
  request: {
    params: EnvironmentParams,
    headers: MutationHeaders,
    body: {
      required: true,
      content: { "application/json": { schema: UpdateEnvironmentSchema, example: { type: "prod" } } },
    },
  },
  responses: {
    200: {
      description: "Updated",
      content: { "application/json": { schema: EnvironmentSchema, example: EXAMPLE_ENVIRONMENT } },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.mutate("admin", "environment.update") }, async (c) => {
    const { id, envId } = c.req.valid("param");
    await mustGetEnvironment(kit.deps.stores, id, envId);
    const patch = c.req.valid("json");
    if (patch.name) {
      const other = await kit.deps.stores.environments.byName(id, patch.name);
      if (other && other.id !== envId) {
        throw new ApiError(
          409,
          "environment_name_taken",
          "Name taken",
          `The project already has an environment named ${patch.name}`,
        );
      }
    }
    return c.json(toEnvironment(await kit.deps.stores.environments.update(envId, patch)), 200);
  });
}
