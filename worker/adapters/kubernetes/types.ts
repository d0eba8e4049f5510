export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** A Kubernetes object as it travels on the wire (apiVersion, kind, metadata, spec, status...). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: JsonObject & { name: string; namespace?: string };
  [field: string]: Json;
}

export const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet"] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export interface WorkloadRef {
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

export interface Workload extends WorkloadRef {
  /** spec.replicas (for a DaemonSet: the nodes it is scheduled on). */
  replicas: number;
  generation: number;
}

/** Where a rollout stands, read the way `kubectl rollout status` reads it. */
export interface RolloutStatus {
  done: boolean;
  desired: number;
  updated: number;
  available: number;
  /** What kubectl would print while waiting, e.g. "2 of 3 updated replicas are available". */
  message: string;
  /** Set when the rollout can no longer succeed (ProgressDeadlineExceeded): the condition's message. */
  failure?: string;
}

/** Which objects a server-side apply touches, by kind and name. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/**
 * The Kubernetes operations the handlers need. Two implementations hold to one contract suite
 * (tests/contracts/kubernetes.contract.test.ts): the client for a real cluster and the simulator.
 * Failures are thrown as PermanentError / TransientError with stable codes (workload_not_found,
 * forbidden, kube_conflict, kube_unavailable, field_manager_conflict, ...).
 */
export interface KubernetesAdapter {
  /** True for the demo simulator: every log line of its operations must say so. */
  readonly simulated: boolean;
  /** For logs: "simulated cluster" or "cluster <context>". */
  readonly description: string;
  /** How often a rollout wait polls. */
  readonly pollIntervalMs: number;
  /** The Deployment, else StatefulSet, else DaemonSet of that name (as kubectl resolves it). */
  findWorkload(namespace: string, name: string, signal: AbortSignal): Promise<Workload>;
  /** `kubectl rollout restart`: patches the pod template's restartedAt annotation. Returns the new generation. */
  restartWorkload(
    ref: WorkloadRef,
    restartedAt: string,
    signal: AbortSignal,
  ): Promise<{ generation: number }>;
  /** `kubectl rollout status`, one observation. */
  rolloutStatus(ref: WorkloadRef, signal: AbortSignal): Promise<RolloutStatus>;
  /** The live object, or null when it does not exist. */
  read(ref: ObjectRef, signal: AbortSignal): Promise<KubeObject | null>;
  /** Server-side apply (field manager `cloudops`) of one object; with dryRun nothing is stored. */
  apply(object: KubeObject, options: { dryRun: boolean }, signal: AbortSignal): Promise<KubeObject>;
  createNamespace(name: string, labels: Record<string, string>, signal: AbortSignal): Promise<void>;
  /** Starts deleting a namespace (and everything in it); absent already is fine. */
  deleteNamespace(name: string, signal: AbortSignal): Promise<void>;
  /** "Active", "Terminating", or null once it is gone. */
  namespacePhase(name: string, signal: AbortSignal): Promise<string | null>;
}

export const FIELD_MANAGER = "cloudops";
export const RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt";
