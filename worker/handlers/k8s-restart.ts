import { TASK_TYPES } from "../../domain/model/task-types";
import {
  type KubernetesAdapter,
  RESTARTED_AT_ANNOTATION,
  WORKLOAD_KINDS,
  type WorkloadKind,
  type WorkloadRef,
} from "../adapters/kubernetes/types";
import { type Ctx, type HandlerDeps, str } from "./deps";
import type { TaskHandler } from "./handler";
import { clusterFor, onCluster, waitForRollout } from "./kube-steps";

function workloadOf(ctx: { payload: Record<string, unknown>; state: Record<string, unknown> }): WorkloadRef {
  const kind = String(ctx.state.kind) as WorkloadKind;
  return {
    kind: WORKLOAD_KINDS.includes(kind) ? kind : "Deployment",
    namespace: str(ctx.payload, "namespace"),
    name: str(ctx.payload, "name"),
  };
}

/** The restartedAt annotation on the workload's live pod template (null when it has none). */
async function liveRestartedAt(
  ctx: Ctx,
  cluster: KubernetesAdapter,
  ref: WorkloadRef,
): Promise<string | null> {
  const live = await onCluster(cluster, () =>
    cluster.read(
      { apiVersion: "apps/v1", kind: ref.kind, namespace: ref.namespace, name: ref.name },
      ctx.signal,
    ),
  );
  const template = (
    live?.spec as { template?: { metadata?: { annotations?: Record<string, unknown> } } } | undefined
  )?.template;
  const value = template?.metadata?.annotations?.[RESTARTED_AT_ANNOTATION];
  return typeof value === "string" ? value : null;
}

/**
 * `kubectl rollout restart` then `kubectl rollout status`: patch the pod template's restartedAt
 * annotation of the Deployment (else StatefulSet, else DaemonSet) and wait for the rollout.
 */
export const k8sRestartHandler: TaskHandler<HandlerDeps> = {
  type: "k8s.restart",
  retry: TASK_TYPES["k8s.restart"].retry,
  steps: [
    {
      name: "connect",
      async run(ctx) {
        const cluster = await clusterFor(ctx, null);
        const ns = str(ctx.payload, "namespace");
        const name = str(ctx.payload, "name");
        const workload = await onCluster(cluster, () => cluster.findWorkload(ns, name, ctx.signal));
        ctx.state.kind = workload.kind;
        ctx.state.replicas = workload.replicas;
        await ctx.log(
          `Found ${workload.kind} ${ns}/${name} with ${workload.replicas} replica(s) on the ${cluster.description}`,
        );
      },
    },
    {
      name: "rollout restart",
      async run(ctx) {
        const cluster = await clusterFor(ctx, null);
        const ref = workloadOf(ctx);
        // The value is saved before the patch: a redelivery (crash after the patch, before this step
        // was recorded) finds it on the live pod template and resumes instead of restarting twice.
        const pending =
          typeof ctx.state.pendingRestartedAt === "string" ? ctx.state.pendingRestartedAt : null;
        if (pending && (await liveRestartedAt(ctx, cluster, ref)) === pending) {
          ctx.state.restartedAt = pending;
          await ctx.log(
            `Rollout restart of ${ref.kind} ${ref.namespace}/${ref.name} at ${pending} was already requested by an earlier attempt; waiting for it instead of restarting again`,
          );
          return;
        }
        const restartedAt = new Date().toISOString().replace(/\.\d+Z$/, "Z");
        ctx.state.pendingRestartedAt = restartedAt;
        await ctx.deps.stores.tasks.update(ctx.task.id, { result: { ...ctx.state } });
        const { generation } = await onCluster(cluster, () =>
          cluster.restartWorkload(ref, restartedAt, ctx.signal),
        );
        ctx.state.restartedAt = restartedAt;
        ctx.state.generation = generation;
        await ctx.log(
          `Rollout restart of ${ref.kind} ${ref.namespace}/${ref.name} requested at ${restartedAt} (generation ${generation})`,
        );
      },
    },
    {
      name: "wait until ready",
      async run(ctx) {
        const cluster = await clusterFor(ctx, null);
        const ref = workloadOf(ctx);
        await waitForRollout(ctx, cluster, ref, ctx.deps.rolloutTimeoutMs);
        await ctx.log(
          `All ${String(ctx.state.replicas)} replica(s) of ${ref.namespace}/${ref.name} are updated and available`,
        );
      },
    },
  ],
};
