import { validateDeployParams } from "../../../domain/model/deploy-params";
import type { DeployTemplate } from "../../../domain/model/deploy-templates";
import type { JsonObject, KubeObject } from "../../adapters/kubernetes/types";

/** A DNS-1123 label as Kubernetes wants for names and namespaces. */
export function dnsLabel(value: string): string {
  return (
    value
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 63)
      .replace(/-+$/, "") || "default"
  );
}

/** The environment's namespace: its own `namespace` field, else `<project>-<environment>`. */
export function namespaceOf(
  project: { name: string },
  env: { name: string; namespace: string | null },
): string {
  return env.namespace ?? dnsLabel(`${project.name}-${env.name}`);
}

const DEFAULT_IMAGE: Record<DeployTemplate, string> = {
  "web-app": "nginx:1.27",
  "api-service": "ghcr.io/cloudops-demo/api-service:1.0.0",
  worker: "ghcr.io/cloudops-demo/worker:1.0.0",
  "static-site": "nginx:1.27-alpine",
  "function-app": "mcr.microsoft.com/azure-functions/node:4",
};

export interface RenderedParams {
  image: string;
  replicas: number;
  port: number;
  env: Array<{ name: string; value: string }>;
  resources: JsonObject;
}

/** Validates template params; returns a readable problem (the first of them) instead of throwing. */
export function parseParams(
  template: DeployTemplate,
  raw: Record<string, unknown>,
): { ok: true; params: RenderedParams } | { ok: false; problem: string } {
  const checked = validateDeployParams(template, raw);
  if (!checked.ok) {
    const first = checked.errors[0];
    return {
      ok: false,
      problem: `${first?.path.replace(/^params\./, "") ?? "params"}: ${first?.message ?? "is invalid"}`,
    };
  }
  const p = checked.params;
  const base = DEFAULT_IMAGE[template];
  const image = p.image ?? (p.tag ? `${base.replace(/:[^:/]+$/, "")}:${p.tag}` : base);
  const limits: JsonObject = { memory: p.memoryLimit };
  if (p.cpuLimit) limits.cpu = p.cpuLimit;
  return {
    ok: true,
    params: {
      image,
      replicas: p.replicas,
      port: p.port,
      env: p.env,
      resources: { requests: { cpu: p.cpu, memory: p.memory }, limits },
    },
  };
}

/**
 * The objects a template deploys: a Deployment (image, replicas, port, env, resources) and, for
 * every template that serves traffic, a ClusterIP Service in front of it.
 */
export function renderManifests(
  template: DeployTemplate,
  app: string,
  namespace: string,
  params: RenderedParams,
): KubeObject[] {
  const name = dnsLabel(app);
  const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/managed-by": "cloudops" };
  const container: JsonObject = {
    name,
    image: params.image,
    ports: [{ name: "http", containerPort: params.port }],
    resources: params.resources,
  };
  if (params.env.length > 0) container.env = params.env;
  const deployment: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels: { ...labels, "cloudops.io/template": template } },
    spec: {
      replicas: params.replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [container] } },
    },
  };
  if (template === "worker") return [deployment];
  const service: KubeObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace, labels },
    spec: { selector: labels, ports: [{ name: "http", port: 80, targetPort: "http" }] },
  };
  return [deployment, service];
}
