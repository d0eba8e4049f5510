/** The Kubernetes operations the restart handler needs. The real adapter (KUBECONFIG) is a later issue. */
export interface KubernetesAdapter {
  readonly kind: "demo" | "kubernetes";
  /** Verifies the workload exists and returns its replica count. */
  describe(namespace: string, name: string, signal: AbortSignal): Promise<{ replicas: number }>;
  /** Triggers a rollout restart (patches the pod template's restartedAt annotation). */
  rolloutRestart(namespace: string, name: string, signal: AbortSignal): Promise<{ restartedAt: string }>;
  /** Ready replicas right now. */
  readyReplicas(namespace: string, name: string, signal: AbortSignal): Promise<number>;
}

/** Simulates a 3-replica deployment that becomes ready one pod per poll after a restart. */
export function createDemoKubernetesAdapter(): KubernetesAdapter {
  const polls = new Map<string, number>();
  return {
    kind: "demo",
    async describe() {
      return { replicas: 3 };
    },
    async rolloutRestart(namespace, name) {
      polls.set(`${namespace}/${name}`, 0);
      return { restartedAt: new Date().toISOString() };
    },
    async readyReplicas(namespace, name) {
      const key = `${namespace}/${name}`;
      const n = Math.min(3, (polls.get(key) ?? 3) + 1);
      polls.set(key, n);
      return n;
    },
  };
}
