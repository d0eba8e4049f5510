import { createRoute } from "@hono/zod-openapi";
import { BackupListQuery, BackupListSchema, InstanceParams } from "../../../contracts/databases";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";
import { requireInstance } from "./instance-guard";
import { toBackup } from "./mappers";

export const route = createRoute({
  method: "get",
  path: "/api/db/{engine}/{instanceId}/backups",
  operationId: "listBackups",
  tags: ["Operations"],
  summary: "Backups of an instance, newest first: where to find an artifactId to restore (role viewer)",
  request: { params: InstanceParams, query: BackupListQuery },
  responses: {
    200: {
      description: "Backups",
      content: {
        "application/json": {
          schema: BackupListSchema,
          example: {
            items: [
              {
                artifactId: "art_01jd2x5k8m0000abcdefghjkmn",
                engine: "azure-postgres",
                instanceId: "orders",
                taskId: "tsk_01jd2x5k8m0000abcdefghjkmn",
                size: 52_431,
                sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                createdAt: "2026-01-05T10:00:05.000Z",
              },
            ],
          },
        },
      },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.read("viewer") }, async (c) => {
    const { engine, instanceId } = c.req.valid("param");
    requireInstance(kit.deps.config, engine, instanceId);
    const rows = await kit.deps.stores.artifacts.listForInstance(
      engine,
      instanceId,
      c.req.valid("query").limit,
    );
    return c.json({ items: rows.filter((r) => r.kind === "backup").map(toBackup) }, 200);
  });
}
