import { AbortedError, PermanentError } from "../../runner/errors";
import { type KubeOperation, mapKubeFailure } from "./errors";
import { resourceByKind } from "./resources";
import { desiredReplicas, rolloutStatusOf } from "./rollout-status";
import { KubeStatusError, qualifiedResource } from "./status-error";
import {
  FIELD_MANAGER,
  type KubeObject,
  type KubernetesAdapter,
  type ObjectRef,
  RESTARTED_AT_ANNOTATION,
  WORKLOAD_KINDS,
  type WorkloadRef,
} from "./types";

/**
 * The REST verbs the adapter needs. Failures are thrown as KubeStatusError (the API server answered
 * with a Status) or any other error (no answer: connection refused, reset, timeout).
 */
export interface KubeTransport {
  get(ref: ObjectRef, signal: AbortSignal): Promise<KubeObject>;
  patch(
    object: KubeObject,
    strategy: "strategic-merge" | "apply",
    options: { dryRun: boolean; fieldManager: string },
    signal: AbortSignal,
  ): Promise<KubeObject>;
  create(object: KubeObject, signal: AbortSignal): Promise<KubeObject>;
  remove(ref: ObjectRef, signal: AbortSignal): Promise<void>;
}

export interface AdapterInfo {
  simulated: boolean;
  description: string;
  pollIntervalMs: number;
}

function operation(verb: KubeOperation["verb"], ref: ObjectRef): KubeOperation {
  const info = resourceByKind(ref.kind);
  return {
    verb,
    resource: info ? qualifiedResource(info.group, info.plural) : ref.kind,
    namespace: ref.namespace,
    name: ref.name,
  };
}

function header(ref: ObjectRef): KubeObject {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: ref.namespace ? { name: ref.name, namespace: ref.namespace } : { name: ref.name },
  };
}

const workloadObject = (ref: WorkloadRef): ObjectRef => ({ apiVersion: "apps/v1", ...ref });

/** One implementation of the adapter contract over any transport (client-node or the simulator). */
export function createKubernetesAdapter(transport: KubeTransport, info: AdapterInfo): KubernetesAdapter {
  async function call<T>(op: KubeOperation, signal: AbortSignal, run: () => Promise<T>): Promise<T> {
    if (signal.aborted) throw new AbortedError(String(signal.reason));
    try {
      return await run();
    } catch (error) {
      if (signal.aborted) throw new AbortedError(String(signal.reason));
      if (error instanceof KubeStatusError) throw mapKubeFailure(error.status.code, error.status, op);
      if (error instanceof PermanentError) throw error;
      const cause = error instanceof Error ? error.message : String(error);
      throw mapKubeFailure(undefined, undefined, op, cause);
    }
  }

  async function getOrNull(ref: ObjectRef, signal: AbortSignal): Promise<KubeObject | null> {
    try {
      return await call(operation("get", ref), signal, () => transport.get(ref, signal));
    } catch (error) {
      if (error instanceof PermanentError && error.code === "kube_not_found") return null;
      throw error;
    }
  }

  function notFound(namespace: string, name: string): PermanentError {
    return new PermanentError(
      "workload_not_found",
      `No Deployment, StatefulSet or DaemonSet named "${name}" in namespace "${namespace}"`,
      `Check the name: kubectl get deployments,statefulsets,daemonsets -n ${namespace}`,
    );
  }

  return {
    ...info,
    async findWorkload(namespace, name, signal) {
      for (const kind of WORKLOAD_KINDS) {
        const object = await getOrNull(workloadObject({ kind, namespace, name }), signal);
        if (!object) continue;
        return {
          kind,
          namespace,
          name,
          replicas: desiredReplicas(kind, object),
          generation: Number(object.metadata.generation ?? 0),
        };
      }
      throw notFound(namespace, name);
    },
    async restartWorkload(ref, restartedAt, signal) {
      const patch: KubeObject = {
        ...header(workloadObject(ref)),
        spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: restartedAt } } } },
      };
      try {
        const patched = await call(operation("patch", workloadObject(ref)), signal, () =>
          transport.patch(patch, "strategic-merge", { dryRun: false, fieldManager: FIELD_MANAGER }, signal),
        );
        return { generation: Number(patched.metadata.generation ?? 0) };
      } catch (error) {
        if (error instanceof PermanentError && error.code === "kube_not_found")
          throw notFound(ref.namespace, ref.name);
        throw error;
      }
    },
    async rolloutStatus(ref, signal) {
      const object = await getOrNull(workloadObject(ref), signal);
      if (!object) throw notFound(ref.namespace, ref.name);
      return rolloutStatusOf(ref.kind, object);
    },
    read: getOrNull,
    async apply(object, options, signal) {
      const { name, namespace } = object.metadata;
      const ref = { apiVersion: object.apiVersion, kind: object.kind, name, namespace };
      return call(operation("patch", ref), signal, () =>
        transport.patch(object, "apply", { dryRun: options.dryRun, fieldManager: FIELD_MANAGER }, signal),
      );
    },
    async createNamespace(name, labels, signal) {
      const ns: KubeObject = { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } };
      await call(operation("create", { apiVersion: "v1", kind: "Namespace", name }), signal, () =>
        transport.create(ns, signal),
      );
    },
    async deleteNamespace(name, signal) {
      const ref = { apiVersion: "v1", kind: "Namespace", name };
      try {
        await call(operation("delete", ref), signal, () => transport.remove(ref, signal));
      } catch (error) {
        if (error instanceof PermanentError && error.code === "kube_not_found") return;
        throw error;
      }
    },
    async namespacePhase(name, signal) {
      const ns = await getOrNull({ apiVersion: "v1", kind: "Namespace", name }, signal);
      if (!ns) return null;
      const status = ns.status;
      const phase = status && typeof status === "object" && !Array.isArray(status) ? status.phase : undefined;
      return typeof phase === "string" ? phase : "Active";
    },
  };
}
