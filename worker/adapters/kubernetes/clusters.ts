import type { KubeConfig } from "@kubernetes/client-node";
import { ConfigError } from "../../../config";
import { PermanentError } from "../../runner/errors";
import { createKubernetesAdapter } from "./adapter";
import { createSimulatedKubernetes } from "./simulator";
import type { KubernetesAdapter } from "./types";

/** Which cluster CloudOps talks to (config.ts parses it from KUBECONFIG, KUBE_CONTEXT, the pod's env). */
export interface KubernetesSettings {
  demoMode: boolean;
  kubeconfig: string | undefined;
  context: string | undefined;
  /** True inside a pod (KUBERNETES_SERVICE_HOST set): the service account's token and CA. */
  inCluster: boolean;
  /**
   * Where the pod's service account files live under (the client reads
   * `<root>/var/run/secrets/kubernetes.io/serviceaccount/{token,ca.crt,namespace}`); "" in a pod, tests
   * point it at a folder of their own.
   */
  serviceAccountRoot?: string;
  /** How long one simulated rollout step takes in demo mode. */
  simulatedTickMs: number;
  pollIntervalMs?: number;
  requestTimeoutMs?: number;
}

/**
 * The cluster behind each environment. One cluster per process today; handlers ask by environment
 * so a per-environment kube context is a change here only.
 */
export interface KubernetesClusters {
  /** Throws PermanentError `no_cluster_configured` when there is none (production without a cluster). */
  forEnvironment(environmentId: string | null): KubernetesAdapter;
}

export function singleCluster(adapter: KubernetesAdapter): KubernetesClusters {
  return { forEnvironment: () => adapter };
}

/** Loads the kubeconfig (a bad file or unknown context throws at start-up, naming the variable). */
export async function loadKubeConfig(settings: KubernetesSettings): Promise<KubeConfig | null> {
  if (!settings.kubeconfig && !settings.inCluster) return null;
  // Loaded only when a cluster is configured: the client costs seconds of start-up on a busy machine.
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  if (settings.kubeconfig) {
    try {
      kc.loadFromFile(settings.kubeconfig);
    } catch (error) {
      throw new ConfigError(
        `Invalid configuration: KUBECONFIG must be a readable kubeconfig file (got "${settings.kubeconfig}": ${(error as Error).message})`,
      );
    }
  } else kc.loadFromCluster(settings.serviceAccountRoot ?? "");
  if (settings.context) {
    if (!kc.getContexts().some((c) => c.name === settings.context)) {
      const names =
        kc
          .getContexts()
          .map((c) => c.name)
          .join(", ") || "none";
      throw new Error(
        `KUBE_CONTEXT ${settings.context} is not a context of the kubeconfig (contexts: ${names})`,
      );
    }
    kc.setCurrentContext(settings.context);
  }
  if (!kc.getCurrentCluster())
    throw new Error("The kubeconfig's current context names no cluster (set KUBE_CONTEXT)");
  return kc;
}

/** The real cluster when one is configured; else the simulator in demo mode, or a refusal in production. */
export async function createKubernetesClusters(settings: KubernetesSettings): Promise<KubernetesClusters> {
  const kc = await loadKubeConfig(settings);
  if (kc) {
    const { createClientTransport } = await import("./client-transport");
    const server = kc.getCurrentCluster()?.server ?? "";
    const adapter = createKubernetesAdapter(
      createClientTransport(kc, { requestTimeoutMs: settings.requestTimeoutMs ?? 30_000 }),
      {
        simulated: false,
        description: `cluster ${kc.getCurrentContext() || "in-cluster"} (${server})`,
        pollIntervalMs: settings.pollIntervalMs ?? 2000,
      },
    );
    return singleCluster(adapter);
  }
  if (settings.demoMode)
    return singleCluster(createSimulatedKubernetes({ tickMs: settings.simulatedTickMs }));
  return {
    forEnvironment() {
      throw new PermanentError(
        "no_cluster_configured",
        "No Kubernetes cluster is configured for this worker, so nothing was changed",
        "Set KUBECONFIG (and KUBE_CONTEXT) on the worker, or run it in a pod with a service account",
      );
    },
  };
}
