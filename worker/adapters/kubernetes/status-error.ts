import type { JsonObject } from "./types";

/** The `Status` object the API server answers a failed request with (kind: Status, status: Failure). */
export interface KubeStatus {
  kind: "Status";
  apiVersion: "v1";
  metadata: JsonObject;
  status: "Failure";
  message: string;
  /** NotFound, Forbidden, Unauthorized, Conflict, AlreadyExists, Invalid, BadRequest, InternalError... */
  reason: string;
  details?: JsonObject;
  code: number;
}

/** A request the (simulated) API server refused, carrying the Status object it would send. */
export class KubeStatusError extends Error {
  constructor(readonly status: KubeStatus) {
    super(status.message);
    this.name = "KubeStatusError";
  }
}

export function kubeStatus(code: number, reason: string, message: string, details?: JsonObject): KubeStatus {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** Resource names as the API server spells them in messages: `deployments.apps`, `services`. */
export function qualifiedResource(group: string, plural: string): string {
  return group ? `${plural}.${group}` : plural;
}

export function notFound(group: string, plural: string, name: string): KubeStatusError {
  return new KubeStatusError(
    kubeStatus(404, "NotFound", `${qualifiedResource(group, plural)} "${name}" not found`, {
      name,
      group,
      kind: plural,
    }),
  );
}
