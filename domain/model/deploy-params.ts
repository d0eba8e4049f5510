import { z } from "zod";
import type { DeployTemplate } from "./deploy-templates";

const quantity = (what: string) =>
  z
    .string()
    .regex(
      /^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/,
      `${what} must be a Kubernetes quantity like 250m or 256Mi`,
    );

/**
 * The params every template takes (flat, as the API takes them): image or tag, replicas, port,
 * cpu/memory requests and limits; `env.NAME` entries (container environment variables) are checked apart.
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

export type DeployParams = z.output<typeof ParamsSchema> & { env: Array<{ name: string; value: string }> };

/** One problem with one parameter, as the API lists it (`path` is `params.<name>`). */
export interface ParamError {
  path: string;
  message: string;
}

export const DEPLOY_PARAMS_HINT =
  "Params: image or tag, replicas (0-50), port, cpu, memory, cpuLimit, memoryLimit, env.NAME";

/**
 * Checks the params of a deploy template against its schema (all templates share one today) and
 * returns every problem, so the API can refuse a bad request before any task exists.
 */
export function validateDeployParams(
  _template: DeployTemplate,
  raw: Record<string, unknown>,
): { ok: true; params: DeployParams } | { ok: false; errors: ParamError[] } {
  const env: Array<{ name: string; value: string }> = [];
  const rest: Record<string, unknown> = {};
  const errors: ParamError[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (!key.startsWith("env.")) {
      rest[key] = value;
      continue;
    }
    const name = key.slice(4);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      errors.push({ path: `params.${key}`, message: "not a valid environment variable name" });
    else env.push({ name, value: String(value) });
  }
  const parsed = ParamsSchema.safeParse(rest);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys)
          errors.push({ path: `params.${key}`, message: "not a parameter of the template" });
      } else errors.push({ path: `params.${String(issue.path[0] ?? "")}`, message: issue.message });
    }
  }
  if (errors.length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, params: { ...parsed.data, env: env.sort((a, b) => a.name.localeCompare(b.name)) } };
}
