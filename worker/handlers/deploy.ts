import { DEPLOY_TEMPLATES, isDeployTemplate } from "../../domain/model/deploy-templates";
import { TASK_TYPES } from "../../domain/model/task-types";
import { putText } from "../../platform/artifacts/artifact-store";
import { PermanentError } from "../runner/errors";
import { artifactIdFor, type HandlerDeps, simulate, str } from "./deps";
import type { TaskHandler } from "./handler";

/** One-click deployment: validate inputs, plan (a plan file with its sha256), apply. */
export const deployHandler: TaskHandler<HandlerDeps> = {
  type: "deploy",
  retry: TASK_TYPES.deploy.retry,
  steps: [
    {
      name: "validate",
      async run(ctx) {
        const { stores } = ctx.deps;
        const project = await stores.projects.get(str(ctx.payload, "projectId"));
        if (!project)
          throw new PermanentError(
            "project_not_found",
            "The project does not exist",
            "Pick a project from GET /api/projects",
          );
        const env = await stores.environments.get(str(ctx.payload, "envId"));
        if (!env || env.projectId !== project.id) {
          throw new PermanentError(
            "environment_not_found",
            "The environment does not belong to the project",
            "Pick one of the project's environments",
          );
        }
        if (env.status !== "active")
          throw new PermanentError("environment_expired", `The environment ${env.name} has expired`);
        const template = str(ctx.payload, "templateId");
        if (!isDeployTemplate(template)) {
          throw new PermanentError(
            "unknown_template",
            `Unknown template ${template}`,
            `Use one of ${DEPLOY_TEMPLATES.join(", ")}`,
          );
        }
        ctx.state.target = `${project.name}/${env.name}`;
        await ctx.log(`Deploying template ${template} to ${project.name}/${env.name} (${env.type})`);
        await simulate(ctx, 2, "Checking inputs and quotas");
      },
    },
    {
      name: "plan",
      async run(ctx) {
        const { storage, stores } = ctx.deps;
        await simulate(ctx, 3, "Computing changes");
        const params = (ctx.payload.params ?? {}) as Record<string, unknown>;
        const plan = {
          taskId: ctx.task.id,
          target: ctx.state.target,
          template: str(ctx.payload, "templateId"),
          params,
          changes: [
            { action: "update", resource: "app-service", detail: "new container image" },
            {
              action: "update",
              resource: "app-settings",
              detail: `${Object.keys(params).length} setting(s)`,
            },
          ],
        };
        const file = await putText(
          storage,
          `artifacts/plans/${ctx.task.id}.json`,
          `${JSON.stringify(plan, null, 2)}\n`,
        );
        const artifact = await stores.artifacts.create({
          id: artifactIdFor(ctx.task.id),
          kind: "plan",
          path: file.key,
          size: file.size,
          sha256: file.sha256,
          taskId: ctx.task.id,
          engine: null,
          instanceId: null,
        });
        ctx.state.planArtifactId = artifact.id;
        ctx.state.planSha256 = file.sha256;
        await ctx.log(`Plan: 2 to update, 0 to add, 0 to destroy (sha256 ${file.sha256.slice(0, 12)})`);
      },
    },
    {
      name: "apply",
      async run(ctx) {
        await ctx.log("Applying plan");
        await simulate(ctx, 4, "Rolling out");
        await ctx.log(`Deployment to ${String(ctx.state.target)} complete`);
      },
    },
  ],
};
