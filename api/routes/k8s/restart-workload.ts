import { createRoute } from "@hono/zod-openapi";
import { WorkloadParams } from "../../../contracts/operations";
import { chain, type RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { validationProblem } from "../../validation-problem";
import { acceptedResponse, TaskCreationHeaders } from "../accepted";
import { errorResponses } from "../shared";
import { submitTask } from "../submit-task";

export const route = createRoute({
  method: "post",
  path: "/api/k8s/workloads/{ns}/{name}:restart",
  operationId: "restartWorkload",
  tags: ["Operations"],
  summary: "Rollout restart of a Kubernetes workload, waiting until it is ready (role operator)",
  description: "The literal `:restart` suffix follows the custom-method style of the spec (AIP-136).",
  request: { params: WorkloadParams, headers: TaskCreationHeaders },
  responses: { ...acceptedResponse, ...errorResponses },
});

const SUFFIX = ":restart";
/**
 * Hono reads `{name}:restart` as one parameter named "name:restart"; a regex parameter that must end
 * in the literal suffix routes it instead, and the handler takes the suffix off.
 */
export const ROUTING_PATH = "/api/k8s/workloads/:ns/:target{[^/]+:restart}";

export function register(app: ApiApp, kit: RouteKit): void {
  app.openAPIRegistry.registerPath(route);
  app.post(ROUTING_PATH, chain(kit.mutate("operator", "k8s.restart")), async (c) => {
    const target = c.req.param("target") ?? "";
    const parsed = WorkloadParams.safeParse({ ns: c.req.param("ns"), name: target.slice(0, -SUFFIX.length) });
    if (!parsed.success) return validationProblem(c, parsed.error.issues);
    const { ns, name } = parsed.data;
    return submitTask(c, kit, {
      type: "k8s.restart",
      entityId: `${ns}/${name}`,
      payload: { namespace: ns, name },
    });
  });
}
