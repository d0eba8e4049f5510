import { createRoute } from "@hono/zod-openapi";
import {
  CreateEnvironmentSchema,
  EnvironmentSchema,
  EXAMPLE_ENVIRONMENT,
  ProjectParams,
} from "../../../contracts/projects";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses, MutationHeaders } from "../shared";
import { mustGetProject } from "./lookup";
import { toEnvironment } from "./mappers";

export const route = createRoute({
  method: "post",
  path: "/api/projects/{id}/environments",
  operationId: "createEnvironment",
  tags: ["Projects"],
  summary: "Add an environment to a project (role admin; sandboxes with a TTL come from POST /api/sandboxes)",
  request: {
    params: ProjectParams,
    headers: MutationHeaders,
    body: {
      required: true,
      content: {
        "application/json": { schema: CreateEnvironmentSchema, example: { name: "stage", type: "stage" } },
      },
    },
  },
  responses: {
    201: {
      description: "Created",
      content: { "application/json": { schema: EnvironmentSchema, example: EXAMPLE_ENVIRONMENT } },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.mutate("admin", "environment.create") }, async (c) => {
    const project = await mustGetProject(kit.deps.stores, c.req.valid("param").id);
    const body = c.req.valid("json");
    const env = await kit.deps.stores.environments.create(project.id, {
      name: body.name,
      type: body.type,
      ttlMinutes: body.ttlMinutes ?? null,
      requiresApproval: body.requiresApproval ?? false,
      expiresAt: body.ttlMinutes ? new Date(Date.now() + body.ttlMinutes * 60_000) : null,
      namespace: body.namespace ?? null,
    });
    c.set("audit", { entity: env.id, detail: { projectId: project.id, name: env.name } });
    c.header("location", `/api/projects/${project.id}/environments/${env.id}`);
    return c.json(toEnvironment(env), 201);
  });
}
