import { type AdapterInfo, createKubernetesAdapter, type KubeTransport } from "./adapter";
import { createMemoryCluster, type MemoryCluster } from "./memory-cluster";
import { resourceByKind } from "./resources";
import { KubeStatusError, kubeStatus } from "./status-error";
import type { KubernetesAdapter, ObjectRef, WorkloadKind } from "./types";

/** The workloads the dashboard, the bot's help and the tests offer, so a demo restart finds them. */
export const DEMO_WORKLOADS: ReadonlyArray<[WorkloadKind, string, string, number]> = [
  ["Deployment", "prod", "api", 3],
  ["Deployment", "prod", "web", 3],
  ["Deployment", "prod", "worker", 2],
  ["StatefulSet", "prod", "postgres", 1],
  ["DaemonSet", "prod", "log-agent", 3],
  ["Deployment", "shop", "web", 3],
  ["Deployment", "shop", "api", 2],
  ["Deployment", "shop", "cart", 2],
  ["Deployment", "staging", "api", 2],
  ["Deployment", "staging", "web", 2],
  ["Deployment", "dev", "api", 1],
];

function resource(ref: { kind: string }) {
  const info = resourceByKind(ref.kind);
  if (!info) {
    throw new KubeStatusError(
      kubeStatus(404, "NotFound", `the server could not find the requested resource`),
    );
  }
  return info;
}

/** The memory cluster behind the adapter's REST verbs, as the simulator's transport. */
export function memoryTransport(cluster: MemoryCluster): KubeTransport {
  return {
    async get(ref: ObjectRef) {
      return cluster.get(resource(ref), ref.namespace, ref.name);
    },
    async patch(object, strategy, options) {
      const { name, namespace } = object.metadata;
      return strategy === "apply"
        ? cluster.apply(resource(object), namespace, name, object, { ...options, force: false })
        : cluster.strategicMerge(resource(object), namespace, name, object, options);
    },
    async create(object) {
      return cluster.create(resource(object), object, { dryRun: false, fieldManager: "cloudops" });
    },
    async remove(ref) {
      cluster.remove(resource(ref), ref.namespace, ref.name);
    },
  };
}

/**
 * The demo's Kubernetes: an in-memory cluster seeded with DEMO_WORKLOADS whose rollouts advance one
 * pod step every `tickMs`. It holds to the same contract suite as the real adapter; every handler
 * log line of an operation on it says "simulated cluster".
 */
export function createSimulatedKubernetes(
  options: { tickMs: number; cluster?: MemoryCluster; seed?: boolean } = { tickMs: 300 },
): KubernetesAdapter & { cluster: MemoryCluster } {
  const cluster = options.cluster ?? createMemoryCluster({ tickMs: options.tickMs });
  if (options.seed !== false)
    for (const [kind, ns, name, replicas] of DEMO_WORKLOADS) cluster.seedWorkload(kind, ns, name, replicas);
  const info: AdapterInfo = {
    simulated: true,
    description: "simulated cluster",
    pollIntervalMs: Math.max(10, options.tickMs),
  };
  return { ...createKubernetesAdapter(memoryTransport(cluster), info), cluster };
}
