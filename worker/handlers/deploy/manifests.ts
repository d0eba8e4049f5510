import { z } from "zod";
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

const quantity = (what: string) =>
  z
    .string()
    .regex(
      /^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/,
      `${what} must be a Kubernetes quantity like 250m or 256Mi`,
    );

const DEFAULT_IMAGE: Record<DeployTemplate, string> = {
  "web-app": "nginx:1.27",
  "api-service": "ghcr.io/cloudops-demo/api-service:1.0.0",
  worker: "ghcr.io/cloudops-demo/worker:1.0.0",
  "static-site": "nginx:1.27-alpine",
  "function-app": "mcr.microsoft.com/azure-functions/node:4",
};

/**
 * The params of every template (flat, as the API takes them): image or tag, replicas, port,
 * cpu/memory requests and limits, and `env.NAME` entries for container environment variables.
 */
const ParamsSchema = z.strictObject({
  image: z
    .string()
    .regex(/^[\w./:@-]{1,255}$/, "image must be an image reference like nginx:1.27")
    .optional(),
  tag: z
    .string()
    .regex(/^[\w.-]{1,128}$/, "tag must be an image tag like 1.4.2")
    .optional(),
  replicas: z.coerce.number().int().min(0).max(50).default(2),
  port: z.coerce.number().int().min(1).max(65535).default(8080),
  cpu: quantity("cpu").default("100m"),
  memory: quantity("memory").default("128Mi"),
  cpuLimit: quantity("cpuLimit").optional(),
  memoryLimit: quantity("memoryLimit").default("256Mi"),
});

export interface RenderedParams {
  image: string;
  replicas: number;
  port: number;
  env: Array<{ name: string; value: string }>;
  resources: JsonObject;
}

/** Validates template params; returns a readable problem instead of throwing. */
export function parseParams(
  template: DeployTemplate,
  raw: Record<string, unknown>,
): { ok: true; params: RenderedParams } | { ok: false; problem: string } {
  const env: Array<{ name: string; value: string }> = [];
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!key.startsWith("env.")) {
      rest[key] = value;
      continue;
    }
    const name = key.slice(4);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      return { ok: false, problem: `${key}: not a valid variable name` };
    env.push({ name, value: String(value) });
  }
  const parsed = ParamsSchema.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue?.code === "unrecognized_keys") {
      return { ok: false, problem: `${issue.keys.join(", ")}: not a parameter of the template` };
    }
    return { ok: false, problem: `${String(issue?.path[0] ?? "params")}: ${issue?.message ?? "is invalid"}` };
  }
  const p = parsed.data;
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
      env: env.sort((a, b) => a.name.localeCompare(b.name)),
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
