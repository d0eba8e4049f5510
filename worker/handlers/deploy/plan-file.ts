import type { ObjectDiff } from "../../adapters/kubernetes/diff";
import type { KubeObject } from "../../adapters/kubernetes/types";

/** What the plan artifact holds: exactly what apply will send, and what it was planned against. */
export interface DeployPlan {
  taskId: string;
  target: string;
  cluster: string;
  namespace: string;
  /** The namespace did not exist at plan time: apply creates it first. */
  createNamespace: boolean;
  template: string;
  params: Record<string, unknown>;
  /** The manifests apply sends (server-side apply, field manager cloudops). */
  objects: KubeObject[];
  /** What the API server said it would store (dry run), per object; apply's own result must match it. */
  expected: KubeObject[];
  /** resourceVersion of each live object at plan time (null: did not exist). */
  live: Array<string | null>;
  diff: ObjectDiff[];
}

export function parsePlan(text: string): DeployPlan {
  const plan = JSON.parse(text) as DeployPlan;
  if (!Array.isArray(plan.objects) || !Array.isArray(plan.live) || !Array.isArray(plan.expected))
    throw new Error("not a deploy plan");
  return plan;
}
