import type { Stores } from "../../db/stores/index";
import type { DbInstanceCatalog } from "../../domain/db-instance-catalog";
import type { ArtifactStore } from "../../platform/artifacts/artifact-store";
import type { DatabaseAdapters } from "../adapters/databases/index";
import type { KubernetesClusters } from "../adapters/kubernetes/index";
import type { StepContext } from "./handler";

/** What the built-in handlers need from the outside world. */
export interface HandlerDeps {
  stores: Stores;
  /** Plans and backups (local disk or Azure Blob Storage). */
  storage: ArtifactStore;
  /** The cluster of each environment: a real one (KUBECONFIG / in-cluster) or the demo simulator. */
  kubernetes: KubernetesClusters;
  /** How long a rollout may take before the wait is retried (transient rollout_timeout). */
  rolloutTimeoutMs: number;
  databases: DatabaseAdapters;
  /** DB_INSTANCES: which databases exist and how to reach them. */
  instances: DbInstanceCatalog;
  /** How long one simulated unit of work takes (DEMO_STEP_DELAY_MS). */
  stepDelayMs: number;
}

export type Ctx = StepContext<HandlerDeps>;

/** Simulated work: `ticks` slices of the step delay, reporting progress and honouring cancel. */
export async function simulate(ctx: Ctx, ticks: number, label: string): Promise<void> {
  const slice = ctx.deps.stepDelayMs / ticks;
  for (let i = 1; i <= ticks; i++) {
    await ctx.sleep(slice);
    await ctx.progress((i / ticks) * 100, `${label} (${i}/${ticks})`);
  }
}

export function str(payload: Record<string, unknown>, key: string): string {
  const value = payload[key];
  return typeof value === "string" ? value : "";
}

/** One artifact id per task and kind, so a redelivered step records the same artifact again. */
export function artifactIdFor(taskId: string): string {
  return `art_${taskId.slice(4)}`;
}
