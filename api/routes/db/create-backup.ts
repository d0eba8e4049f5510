import { createRoute } from "@hono/zod-openapi";
import { InstanceParams } from "../../../contracts/databases";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { acceptedResponse, TaskCreationHeaders } from "../accepted";
import { errorResponses } from "../shared";
import { submitTask } from "../submit-task";
import { requireInstance } from "./instance-guard";

export const route = createRoute({
  method: "post",
  path: "/api/db/{engine}/{instanceId}/backup",
  operationId: "createBackup",
  tags: ["Operations"],
  summary: "Back up an Azure PostgreSQL or Azure SQL instance (role operator)",
  request: { params: InstanceParams, headers: TaskCreationHeaders },
  responses: { ...acceptedResponse, ...errorResponses },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.mutate("operator", "db.backup") }, async (c) => {
    const { engine, instanceId } = c.req.valid("param");
    requireInstance(kit.deps.config, engine, instanceId);
    return submitTask(c, kit, {
      type: "db.backup",
      entityId: `${engine}/${instanceId}`,
      payload: { engine, instanceId },
    });
  });
}
