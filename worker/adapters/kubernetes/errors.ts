import { PermanentError, TransientError } from "../../runner/errors";
import { isObject } from "./json-fields";
import type { KubeStatus } from "./status-error";

/** What the adapter was doing when the API server said no, for messages a person can act on. */
export interface KubeOperation {
  verb: "get" | "patch" | "create" | "delete";
  /** `deployments.apps`, `services`, `namespaces` */
  resource: string;
  namespace?: string;
  name?: string;
}

export const RBAC_HINT = "Grant the service account the verbs in deploy/kubernetes-rbac.yaml";

function where(op: KubeOperation): string {
  return op.namespace ? ` in namespace ${op.namespace}` : "";
}

/**
 * Turns a refused request into our error classes: 401/403 and bad requests are permanent, a
 * resourceVersion conflict (409), throttling (429), 5xx and a missing answer are transient.
 * `status` is the Status object of the answer when there was one.
 */
export function mapKubeFailure(
  code: number | undefined,
  status: KubeStatus | undefined,
  op: KubeOperation,
  cause?: string,
): Error {
  const detail = status?.message ? `: ${status.message}` : cause ? `: ${cause}` : "";
  const target = `${op.resource}${op.name ? ` "${op.name}"` : ""}`;
  if (code === undefined) {
    return new TransientError(
      "kube_unreachable",
      `The Kubernetes API server did not answer (${op.verb} ${target})${detail}`,
    );
  }
  if (code === 401) {
    return new PermanentError(
      "forbidden",
      `The Kubernetes API server rejected the credentials (401 Unauthorized) to ${op.verb} ${op.resource}${where(op)}`,
      "Check the token or certificate of the kubeconfig user (KUBECONFIG / KUBE_CONTEXT)",
    );
  }
  if (code === 403) {
    return new PermanentError(
      "forbidden",
      `The service account may not ${op.verb} ${op.resource}${where(op)}${detail}`,
      RBAC_HINT,
    );
  }
  if (code === 404) {
    return new PermanentError("kube_not_found", `Not found: ${target}${where(op)}${detail}`);
  }
  if (code === 409 && status?.reason === "Conflict") {
    const causes = Array.isArray(status.details?.causes) ? status.details.causes.filter(isObject) : [];
    const managers = causes
      .map((c) => /conflict with "([^"]+)"/.exec(String(c.message ?? ""))?.[1])
      .filter((m): m is string => Boolean(m));
    if (managers.length > 0 || /conflict with "/.test(status.message)) {
      const names = [...new Set(managers)].map((m) => `"${m}"`).join(", ") || "another field manager";
      return new PermanentError(
        "field_manager_conflict",
        `Fields of ${target}${where(op)} are owned by field manager ${names}${detail}`,
        "Remove those fields from the other manager's configuration, or change them through CloudOps only",
      );
    }
    return new TransientError("kube_conflict", `${target} changed while it was being updated${detail}`);
  }
  if (code === 409 && status?.reason === "AlreadyExists") {
    return new PermanentError("kube_already_exists", `${target} already exists${where(op)}`);
  }
  if (code === 429 || code >= 500) {
    return new TransientError(
      "kube_unavailable",
      `The Kubernetes API server answered ${code} to ${op.verb} ${target}${detail}`,
    );
  }
  return new PermanentError(
    "kube_rejected",
    `The Kubernetes API server refused to ${op.verb} ${target} (${code})${detail}`,
  );
}
