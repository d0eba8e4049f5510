import type { KubernetesAdapter, WorkloadRef } from "../adapters/kubernetes/index";
import { PermanentError, TransientError } from "../runner/errors";
import type { Ctx } from "./deps";

export const SIMULATED = "simulated cluster";

/**
 * The cluster of a task's environment. On the simulator it marks the task (result.cluster =
 * "simulated", read by the task page and card for their badge) before anything else happens.
 */
export async function clusterFor(ctx: Ctx, environmentId: string | null): Promise<KubernetesAdapter> {
  const cluster = ctx.deps.kubernetes.forEnvironment(environmentId);
  ctx.state.cluster = cluster.simulated ? "simulated" : "kubernetes";
  if (cluster.simulated) ctx.state.logTag = SIMULATED;
  if (cluster.simulated) await ctx.saveState();
  return cluster;
}

/** Runs a cluster call; on the simulator its failure message says so too (it ends up in the log and card). */
export async function onCluster<T>(cluster: KubernetesAdapter, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!cluster.simulated) throw error;
    if (error instanceof PermanentError)
      throw new PermanentError(error.code, `[${SIMULATED}] ${error.message}`, error.hint);
    if (error instanceof TransientError)
      throw new TransientError(error.code, `[${SIMULATED}] ${error.message}`);
    throw error;
  }
}

/**
 * Waits like `kubectl rollout status`: polls until the rollout is done, reporting "2/3 replicas
 * updated" as progress; a progress deadline fails permanently; cancel ends the wait at once.
 */
export async function waitForRollout(
  ctx: Ctx,
  cluster: KubernetesAdapter,
  ref: WorkloadRef,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    const status = await onCluster(cluster, () => cluster.rolloutStatus(ref, ctx.signal));
    if (status.failure) {
      throw new PermanentError(
        "progress_deadline_exceeded",
        cluster.simulated ? `[${SIMULATED}] ${status.failure}` : status.failure,
        `Look at the new pods: kubectl describe ${ref.kind.toLowerCase()} ${ref.name} -n ${ref.namespace}`,
      );
    }
    const percent =
      status.desired === 0 ? 100 : ((status.updated + status.available) / (2 * status.desired)) * 100;
    const line = `${status.updated}/${status.desired} replicas updated, ${status.available} available`;
    await ctx.progress(
      status.done ? 100 : Math.min(99, percent),
      cluster.simulated ? `${line} (${SIMULATED})` : line,
    );
    if (status.message !== last) {
      await ctx.log(status.message);
      last = status.message;
    }
    if (status.done) return;
    if (Date.now() > deadline) {
      throw new TransientError(
        "rollout_timeout",
        `${ref.kind} ${ref.namespace}/${ref.name} did not finish rolling out in ${Math.round(timeoutMs / 1000)} s (${status.message})`,
      );
    }
    await ctx.sleep(cluster.pollIntervalMs);
  }
}
