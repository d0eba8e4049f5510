import { isDeployTemplate } from "../../domain/model/deploy-templates";
import { TASK_TYPES } from "../../domain/model/task-types";
import { PermanentError, TransientError } from "../runner/errors";
import { dnsLabel, parseParams, renderManifests } from "./deploy/manifests";
import { type Ctx, type HandlerDeps, simulate, str } from "./deps";
import type { TaskHandler } from "./handler";
import { clusterFor, onCluster, waitForRollout } from "./kube-steps";

/** A label value as Kubernetes accepts it: [A-Za-z0-9._-], at most 63, alphanumeric at both ends. */
function labelValue(value: string): string {
  return value
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}

/** `sbx-<project>-<short id>`, a DNS label. */
export function sandboxNamespace(projectName: string, environmentId: string): string {
  const short = dnsLabel(environmentId.slice(-6));
  return `sbx-${dnsLabel(projectName).slice(0, 63 - 5 - short.length)}-${short}`;
}

async function createNamespace(ctx: Ctx, namespace: string, labels: Record<string, string>) {
  const cluster = await clusterFor(ctx, null);
  const phase = await onCluster(cluster, () => cluster.namespacePhase(namespace, ctx.signal));
  if (phase === "Terminating")
    throw new PermanentError("namespace_terminating", `Namespace ${namespace} is being deleted`);
  if (phase === null) {
    await onCluster(cluster, () => cluster.createNamespace(namespace, labels, ctx.signal));
    await ctx.log(`Created namespace ${namespace} on the ${cluster.description}`);
  } else await ctx.log(`Namespace ${namespace} already exists (a redelivered step)`);
  return cluster;
}

/** Creates an ephemeral environment: a labelled namespace with the default template deployed into it. */
export const sandboxCreateHandler: TaskHandler<HandlerDeps> = {
  type: "sandbox.create",
  retry: TASK_TYPES["sandbox.create"].retry,
  steps: [
    {
      name: "create environment",
      async run(ctx) {
        const { stores } = ctx.deps;
        const project = await stores.projects.get(str(ctx.payload, "projectId"));
        if (!project) throw new PermanentError("project_not_found", "The project does not exist");
        const ttlMinutes = Number(ctx.payload.ttlMinutes);
        const environmentId = str(ctx.payload, "environmentId");
        const expiresAt = new Date(Date.now() + ttlMinutes * 60_000);
        const namespace = sandboxNamespace(project.name, environmentId);
        const cluster = await createNamespace(ctx, namespace, {
          "app.kubernetes.io/managed-by": "cloudops",
          "cloudops.io/project": labelValue(project.name),
          "cloudops.io/owner": labelValue(ctx.task.requestedBy),
          "cloudops.io/environment": labelValue(environmentId),
          "cloudops.io/expires-at": String(Math.floor(expiresAt.getTime() / 1000)),
        });
        // The project's default template (web-app unless the project names another).
        const template = isDeployTemplate(project.defaultTemplate) ? project.defaultTemplate : "web-app";
        const params = parseParams(template, { replicas: 1 });
        if (!params.ok) throw new PermanentError("invalid_params", params.problem);
        const objects = renderManifests(template, project.name, namespace, params.params);
        ctx.state.template = template;
        await ctx.log(`Deploying the project's default template ${template} into the sandbox`);
        for (const object of objects) {
          await onCluster(cluster, () => cluster.apply(object, { dryRun: false }, ctx.signal));
          await ctx.log(`Applied ${object.kind} ${namespace}/${object.metadata.name}`);
        }
        for (const object of objects.filter((o) => o.kind === "Deployment")) {
          const ref = { kind: "Deployment" as const, namespace, name: object.metadata.name };
          await waitForRollout(ctx, cluster, ref, ctx.deps.rolloutTimeoutMs);
        }
        const env = await stores.environments.create(project.id, {
          id: environmentId,
          name: str(ctx.payload, "name"),
          type: "sandbox",
          ttlMinutes,
          expiresAt,
          namespace,
        });
        ctx.state.environmentId = env.id;
        ctx.state.namespace = namespace;
        ctx.state.expiresAt = env.expiresAt?.toISOString() ?? null;
        await ctx.log(`Sandbox ${project.name}/${env.name} is up in namespace ${namespace}`);
      },
    },
    {
      name: "schedule expiry",
      async run(ctx) {
        await ctx.log(`Expires at ${String(ctx.state.expiresAt)} (${String(ctx.payload.ttlMinutes)} min)`);
        await simulate(ctx, 1, "Expiry scheduled");
      },
    },
  ],
};

/** Deletes an expired sandbox's namespace, waits until it is gone, and marks the environment expired. */
export const sandboxExpireHandler: TaskHandler<HandlerDeps> = {
  type: "sandbox.expire",
  retry: TASK_TYPES["sandbox.expire"].retry,
  steps: [
    {
      name: "expire environment",
      async run(ctx) {
        const env = await ctx.deps.stores.environments.get(str(ctx.payload, "environmentId"));
        if (!env) {
          await ctx.log("The sandbox no longer exists; nothing to expire");
          return;
        }
        const namespace = env.namespace;
        if (namespace) {
          const cluster = await clusterFor(ctx, env.id);
          await onCluster(cluster, () => cluster.deleteNamespace(namespace, ctx.signal));
          await ctx.log(`Deleting namespace ${namespace} on the ${cluster.description}`);
          const deadline = Date.now() + ctx.deps.rolloutTimeoutMs;
          while ((await onCluster(cluster, () => cluster.namespacePhase(namespace, ctx.signal))) !== null) {
            await ctx.progress(50, `Namespace ${namespace} is terminating`);
            if (Date.now() > deadline) {
              throw new TransientError(
                "namespace_stuck",
                `Namespace ${namespace} is still terminating (look for finalizers: kubectl get namespace ${namespace} -o yaml)`,
              );
            }
            await ctx.sleep(cluster.pollIntervalMs);
          }
          await ctx.log(`Namespace ${namespace} is gone`);
        } else await ctx.log("The sandbox has no namespace (created before sandboxes ran on Kubernetes)");
        await ctx.deps.stores.environments.update(env.id, { status: "expired" });
        await ctx.log(`Sandbox ${env.name} expired`);
      },
    },
  ],
};
