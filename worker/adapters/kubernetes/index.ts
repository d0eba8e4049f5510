export type { KubernetesClusters, KubernetesSettings } from "./clusters";
export { createKubernetesClusters, singleCluster } from "./clusters";
export { createSimulatedKubernetes, DEMO_WORKLOADS } from "./simulator";
export type { KubeObject, KubernetesAdapter, RolloutStatus, Workload, WorkloadRef } from "./types";
