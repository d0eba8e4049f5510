import { createHash } from "node:crypto";
import { environmentNeedsApproval, MAX_APPROVAL_LINES } from "../../domain/model/approval";
import { DEPLOY_PARAMS_HINT } from "../../domain/model/deploy-params";
import { DEPLOY_TEMPLATES, type DeployTemplate, isDeployTemplate } from "../../domain/model/deploy-templates";
import { TASK_TYPES } from "../../domain/model/task-types";
import { getBuffer, putText } from "../../platform/artifacts/artifact-store";
import { describeDiff, diffObjects, type ObjectDiff } from "../adapters/kubernetes/diff";
import type { KubeObject, KubernetesAdapter, ObjectRef } from "../adapters/kubernetes/types";
import { PermanentError } from "../runner/errors";
import { dnsLabel, namespaceOf, parseParams, type RenderedParams, renderManifests } from "./deploy/manifests";
import { type DeployPlan, parsePlan } from "./deploy/plan-file";
import { artifactIdFor, type Ctx, type HandlerDeps, str } from "./deps";
import type { TaskHandler } from "./handler";
import { clusterFor, onCluster, waitForRollout } from "./kube-steps";

interface Target {
  cluster: KubernetesAdapter;
  namespace: string;
  template: DeployTemplate;
  objects: KubeObject[];
  label: string;
}

/** Project, environment, template and params of the task, checked, with the manifests they render. */
async function resolveTarget(ctx: Ctx): Promise<Target> {
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
  const parsed = parseParams(template, (ctx.payload.params ?? {}) as Record<string, unknown>);
  if (!parsed.ok)
    throw new PermanentError(
      "invalid_params",
      `Invalid deploy parameter ${parsed.problem}`,
      DEPLOY_PARAMS_HINT,
    );
  const cluster = await clusterFor(ctx, env.id);
  const namespace = namespaceOf(project, env);
  const objects = renderManifests(
    template,
    dnsLabel(project.name),
    namespace,
    parsed.params satisfies RenderedParams,
  );
  return { cluster, namespace, template, objects, label: `${project.name}/${env.name}` };
}

const refOf = (o: KubeObject): ObjectRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  namespace: o.metadata.namespace,
  name: o.metadata.name,
});

const where = (o: KubeObject) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;

async function namespaceExists(ctx: Ctx, t: Target): Promise<boolean> {
  const phase = await onCluster(t.cluster, () => t.cluster.namespacePhase(t.namespace, ctx.signal));
  if (phase === "Terminating") {
    throw new PermanentError(
      "namespace_terminating",
      `Namespace ${t.namespace} is being deleted`,
      "Wait until it is gone, then deploy again",
    );
  }
  return phase !== null;
}

/**
 * One-click deployment as server-side apply: validate (params, then a server-side dry run of every
 * object), plan (live objects against the dry-run result, stored with its sha256), apply (exactly the
 * planned manifests, refusing drift, then wait for the rollout).
 */
export const deployHandler: TaskHandler<HandlerDeps> = {
  type: "deploy",
  retry: TASK_TYPES.deploy.retry,
  approval: {
    after: "plan",
    async request(ctx) {
      const env = await ctx.deps.stores.environments.get(str(ctx.payload, "envId"));
      if (!env || !environmentNeedsApproval(env)) return null;
      const plan = (ctx.state.plan ?? {}) as { add?: number; change?: number; unchanged?: number };
      return {
        planSha256: String(ctx.state.planSha256),
        summary: `${plan.add ?? 0} to add, ${plan.change ?? 0} to change, ${plan.unchanged ?? 0} unchanged`,
        lines: Array.isArray(ctx.state.planLines) ? ctx.state.planLines.map(String) : [],
      };
    },
  },
  steps: [
    {
      name: "validate",
      async run(ctx) {
        const t = await resolveTarget(ctx);
        ctx.state.target = t.label;
        ctx.state.namespace = t.namespace;
        await ctx.log(
          `Deploying template ${t.template} to ${t.label} (namespace ${t.namespace} on the ${t.cluster.description})`,
        );
        if (!(await namespaceExists(ctx, t))) {
          await ctx.log(
            `Namespace ${t.namespace} does not exist yet: apply creates it, so the dry run of its objects happens at apply`,
          );
          return;
        }
        for (const object of t.objects) {
          await onCluster(t.cluster, () => t.cluster.apply(object, { dryRun: true }, ctx.signal));
        }
        await ctx.log(`Server-side dry run (dryRun=All) of ${t.objects.length} object(s) passed`);
      },
    },
    {
      name: "plan",
      async run(ctx) {
        const { storage, stores } = ctx.deps;
        const t = await resolveTarget(ctx);
        const exists = await namespaceExists(ctx, t);
        const live: Array<string | null> = [];
        const expected: KubeObject[] = [];
        const diff: ObjectDiff[] = [];
        for (const object of t.objects) {
          const current = exists
            ? await onCluster(t.cluster, () => t.cluster.read(refOf(object), ctx.signal))
            : null;
          const dry = exists
            ? await onCluster(t.cluster, () => t.cluster.apply(object, { dryRun: true }, ctx.signal))
            : object;
          live.push(current ? String(current.metadata.resourceVersion ?? "") : null);
          expected.push(dry);
          diff.push(diffObjects(current, dry));
        }
        const plan: DeployPlan = {
          taskId: ctx.task.id,
          target: t.label,
          cluster: t.cluster.description,
          namespace: t.namespace,
          createNamespace: !exists,
          template: t.template,
          params: (ctx.payload.params ?? {}) as Record<string, unknown>,
          objects: t.objects,
          expected,
          live,
          diff,
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
        const lines = [
          ...(exists ? [] : [`+ Namespace ${t.namespace}: new`]),
          ...diff.map((d) => describeDiff(d)),
        ];
        for (const line of lines) await ctx.log(line);
        const count = (action: string) => diff.filter((d) => d.action === action).length;
        const summary = {
          add: count("create") + (exists ? 0 : 1),
          change: count("update"),
          unchanged: count("unchanged"),
        };
        ctx.state.planArtifactId = artifact.id;
        ctx.state.planPath = file.key;
        ctx.state.planSha256 = file.sha256;
        ctx.state.plan = summary;
        ctx.state.planLines = lines.slice(0, MAX_APPROVAL_LINES);
        await ctx.log(
          `Plan: ${summary.add} to add, ${summary.change} to change, ${summary.unchanged} unchanged (sha256 ${file.sha256})`,
        );
      },
    },
    {
      name: "apply",
      async run(ctx) {
        // apply runs only the plan that was approved: the runner's gate compared the approval with
        // state.planSha256, and the file read below must still hash to it.
        const cluster = await clusterFor(ctx, str(ctx.payload, "envId"));
        const bytes = await getBuffer(ctx.deps.storage, String(ctx.state.planPath), { signal: ctx.signal });
        const sha256 = createHash("sha256").update(bytes).digest("hex");
        if (sha256 !== ctx.state.planSha256) {
          throw new PermanentError(
            "plan_checksum_mismatch",
            `The plan file changed since it was made (sha256 ${sha256.slice(0, 12)}, planned ${String(ctx.state.planSha256).slice(0, 12)})`,
            "Run the deployment again for a new plan",
          );
        }
        const plan = parsePlan(bytes.toString("utf8"));
        await ctx.log(`Applying plan sha256 ${sha256} to namespace ${plan.namespace}`);
        for (const [i, object] of plan.objects.entries()) {
          const now = await onCluster(cluster, () => cluster.read(refOf(object), ctx.signal));
          const version = now ? String(now.metadata.resourceVersion ?? "") : null;
          const expected = plan.expected[i];
          // A redelivered apply finds its own result: that is not drift.
          const ours =
            now !== null && expected !== undefined && diffObjects(now, expected).action === "unchanged";
          if (version !== plan.live[i] && !ours) {
            throw new PermanentError(
              "drift_detected",
              `${where(object)} changed since the plan (resourceVersion ${plan.live[i] ?? "none"} at plan, ${version ?? "deleted"} now)`,
              "Run the deployment again for a new plan against the live objects",
            );
          }
        }
        if (plan.createNamespace && (await cluster.namespacePhase(plan.namespace, ctx.signal)) === null) {
          await onCluster(cluster, () =>
            cluster.createNamespace(
              plan.namespace,
              { "app.kubernetes.io/managed-by": "cloudops" },
              ctx.signal,
            ),
          );
          await ctx.log(`Created namespace ${plan.namespace}`);
        }
        for (const object of plan.objects) {
          const applied = await onCluster(cluster, () =>
            cluster.apply(object, { dryRun: false }, ctx.signal),
          );
          await ctx.log(
            `Applied ${where(object)} (resourceVersion ${String(applied.metadata.resourceVersion)})`,
          );
        }
        for (const object of plan.objects.filter((o) => o.kind === "Deployment")) {
          await waitForRollout(
            ctx,
            cluster,
            { kind: "Deployment", namespace: plan.namespace, name: object.metadata.name },
            ctx.deps.rolloutTimeoutMs,
          );
        }
        await ctx.log(`Deployment to ${plan.target} complete`);
      },
    },
  ],
};
