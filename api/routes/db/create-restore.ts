import { createRoute } from "@hono/zod-openapi";
import { InstanceParams, RestoreRequestSchema } from "../../../contracts/databases";
import { ApiError } from "../../problem";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { acceptedResponse, TaskCreationHeaders } from "../accepted";
import { failureInjectionOf } from "../failure-injection";
import { errorResponses } from "../shared";
import { submitTask } from "../submit-task";
import { requireInstance } from "./instance-guard";
import { requireRestoreRole } from "./prod-restore-guard";

export const route = createRoute({
  method: "post",
  path: "/api/db/{engine}/{instanceId}/restore",
  operationId: "createRestore",
  tags: ["Operations"],
  summary: "Restore a backup artifact into an instance (validate, import, verify; role operator)",
  request: {
    params: InstanceParams,
    headers: TaskCreationHeaders,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: RestoreRequestSchema,
          example: { artifactId: "art_01jd2x5k8m0000abcdefghjkmn", target: "orders-copy" },
        },
      },
    },
  },
  responses: { ...acceptedResponse, ...errorResponses },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.mutate("operator", "db.restore") }, async (c) => {
    const { engine, instanceId } = c.req.valid("param");
    const body = c.req.valid("json");
    requireInstance(kit.deps.config, engine, instanceId);
    const target = body.target ?? instanceId;
    requireInstance(kit.deps.config, engine, target);
    await requireRestoreRole(kit, c.get("user"), engine, target);
    const artifact = await kit.deps.stores.artifacts.get(body.artifactId);
    if (artifact?.kind !== "backup") {
      throw new ApiError(
        404,
        "artifact_not_found",
        "Backup not found",
        `No backup has the id ${body.artifactId}`,
        {
          hint: `List backups with GET /api/db/${engine}/${instanceId}/backups`,
        },
      );
    }
    if (artifact.engine !== engine) {
      throw new ApiError(
        422,
        "artifact_engine_mismatch",
        "Backup of another engine",
        `The artifact is a ${artifact.engine} backup, not ${engine}`,
      );
    }
    return submitTask(c, kit, {
      type: "db.restore",
      entityId: `${engine}/${instanceId}`,
      payload: { engine, instanceId, artifactId: body.artifactId, target, ...failureInjectionOf(body) },
    });
  });
}
