import { createRoute } from "@hono/zod-openapi";
import { DeploymentRequestSchema } from "../../../contracts/deployments";
import { isDeployTemplate } from "../../../domain/model/deploy-templates";
import { ApiError } from "../../problem";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { acceptedResponse, TaskCreationHeaders } from "../accepted";
import { errorResponses } from "../shared";
import { submitTask } from "../submit-task";
import { requireValidParams } from "./params-guard";

export const route = createRoute({
  method: "post",
  path: "/api/deployments",
  operationId: "createDeployment",
  tags: ["Operations"],
  summary: "One-click deployment of a template to an environment (validate, plan, apply; role operator)",
  request: {
    headers: TaskCreationHeaders,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: DeploymentRequestSchema,
          example: {
            projectId: "prj_01jd2x5k8m0000abcdefghjkmn",
            envId: "env_01jd2x5k8m0000abcdefghjkmn",
            templateId: "web-app",
            params: { image: "shop/web:1.4.2", replicas: 2 },
          },
        },
      },
    },
  },
  responses: { ...acceptedResponse, ...errorResponses },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.mutate("operator", "deployment.create") }, async (c) => {
    const body = c.req.valid("json");
    const { stores } = kit.deps;
    const [project, env] = await Promise.all([
      stores.projects.get(body.projectId),
      stores.environments.get(body.envId),
    ]);
    if (!project)
      throw new ApiError(
        404,
        "project_not_found",
        "Project not found",
        `No project has the id ${body.projectId}`,
      );
    if (!env || env.projectId !== project.id) {
      throw new ApiError(
        422,
        "environment_not_in_project",
        "Unknown environment",
        `The project has no environment ${body.envId}`,
        {
          hint: `List them with GET /api/projects/${project.id}/environments`,
        },
      );
    }
    const templateId =
      body.templateId ?? (isDeployTemplate(project.defaultTemplate) ? project.defaultTemplate : "web-app");
    requireValidParams(templateId, body.params);
    return submitTask(c, kit, {
      type: "deploy",
      entityId: env.id,
      projectId: project.id,
      payload: { ...body, templateId },
    });
  });
}
