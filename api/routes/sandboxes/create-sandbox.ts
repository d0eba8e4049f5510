import { createRoute } from "@hono/zod-openapi";
import { SandboxRequestSchema } from "../../../contracts/sandboxes";
import { newId } from "../../../domain/model/ids";
import { ApiError } from "../../problem";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { acceptedResponse, TaskCreationHeaders } from "../accepted";
import { failureInjectionOf } from "../failure-injection";
import { errorResponses } from "../shared";
import { submitTask } from "../submit-task";

export const route = createRoute({
  method: "post",
  path: "/api/sandboxes",
  operationId: "createSandbox",
  tags: ["Operations"],
  summary: "Create an ephemeral sandbox environment that expires after ttlMinutes (role operator)",
  request: {
    headers: TaskCreationHeaders,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: SandboxRequestSchema,
          example: { projectId: "prj_01jd2x5k8m0000abcdefghjkmn", ttlMinutes: 120, name: "sbx-feature-x" },
        },
      },
    },
  },
  responses: { ...acceptedResponse, ...errorResponses },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.mutate("operator", "sandbox.create") }, async (c) => {
    const body = c.req.valid("json");
    const project = await kit.deps.stores.projects.get(body.projectId);
    if (!project)
      throw new ApiError(
        404,
        "project_not_found",
        "Project not found",
        `No project has the id ${body.projectId}`,
      );
    const environmentId = newId("environment");
    const name = body.name ?? `sbx-${environmentId.slice(-8)}`;
    if (await kit.deps.stores.environments.byName(project.id, name)) {
      throw new ApiError(
        409,
        "environment_name_taken",
        "Name taken",
        `The project already has an environment named ${name}`,
      );
    }
    return submitTask(c, kit, {
      type: "sandbox.create",
      entityId: environmentId,
      projectId: project.id,
      payload: {
        projectId: project.id,
        ttlMinutes: body.ttlMinutes,
        environmentId,
        name,
        ...failureInjectionOf(body),
      },
    });
  });
}
