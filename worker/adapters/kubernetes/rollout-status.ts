import type { Json, JsonObject, KubeObject, RolloutStatus, WorkloadKind } from "./types";

function obj(value: Json | undefined): JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
}

function num(value: Json | undefined, fallback = 0): number {
  return typeof value === "number" ? value : fallback;
}

/** spec.replicas as the API server defaults it (1 when unset); for a DaemonSet the desired node count. */
export function desiredReplicas(kind: WorkloadKind, object: KubeObject): number {
  if (kind === "DaemonSet") return num(obj(object.status).desiredNumberScheduled);
  return num(obj(object.spec).replicas, 1);
}

/**
 * One observation of a rollout, with the rules `kubectl rollout status` applies: the controller
 * must have observed the latest generation, every replica must be updated and available, and no
 * old replica may be left. A Deployment whose Progressing condition says ProgressDeadlineExceeded
 * has failed.
 */
export function rolloutStatusOf(kind: WorkloadKind, object: KubeObject): RolloutStatus {
  const metadata = obj(object.metadata);
  const status = obj(object.status);
  const generation = num(metadata.generation);
  const observed = num(status.observedGeneration);
  const desired = desiredReplicas(kind, object);
  const name = `${kind.toLowerCase()} "${String(metadata.name)}"`;
  const updated = num(kind === "DaemonSet" ? status.updatedNumberScheduled : status.updatedReplicas);
  const available = num(kind === "DaemonSet" ? status.numberAvailable : status.availableReplicas);
  const base = { desired, updated, available };
  if (observed < generation) {
    return { ...base, done: false, message: `Waiting for ${name} spec update to be observed` };
  }
  if (kind === "Deployment") {
    const conditions = Array.isArray(status.conditions) ? status.conditions.map(obj) : [];
    const progressing = conditions.find((c) => c.type === "Progressing");
    if (progressing?.reason === "ProgressDeadlineExceeded") {
      const detail = typeof progressing.message === "string" ? `: ${progressing.message}` : "";
      return {
        ...base,
        done: false,
        message: `${name} exceeded its progress deadline`,
        failure: `${name} exceeded its progress deadline${detail}`,
      };
    }
  }
  if (updated < desired) {
    return { ...base, done: false, message: `${updated}/${desired} replicas updated` };
  }
  const total = num(kind === "DaemonSet" ? status.currentNumberScheduled : status.replicas, updated);
  if (kind !== "DaemonSet" && total > updated) {
    return {
      ...base,
      done: false,
      message: `${updated}/${desired} replicas updated, ${total - updated} old replica(s) pending termination`,
    };
  }
  if (kind === "StatefulSet" && status.updateRevision !== status.currentRevision) {
    return {
      ...base,
      done: false,
      message: `${updated}/${desired} replicas updated, revision not yet current`,
    };
  }
  if (available < desired) {
    return { ...base, done: false, message: `${available} of ${desired} updated replicas are available` };
  }
  return { ...base, done: true, message: `${name} successfully rolled out (${desired}/${desired})` };
}
