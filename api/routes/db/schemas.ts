import { z } from "@hono/zod-openapi";
import type { ArtifactRow } from "../../../db/rows";
import { DB_ENGINES } from "../../../domain/model/task-types";
import { FailureInjectionFields } from "../failure-injection";
import { dnsLabel, idSchema } from "../shared";

export const InstanceParams = z.object({
  engine: z.enum(DB_ENGINES).openapi({ example: "azure-postgres" }),
  instanceId: dnsLabel("orders"),
});

export const RestoreRequestSchema = z
  .strictObject({
    artifactId: idSchema("artifact", "art_01jd2x5k8m0000abcdefghjkmn").openapi({
      description: "A backup of this engine; list them with GET /api/db/{engine}/{instanceId}/backups",
    }),
    target: dnsLabel("orders-copy")
      .optional()
      .openapi({ description: "The instance to restore into; defaults to the instance in the path" }),
    ...FailureInjectionFields,
  })
  .openapi("RestoreRequest");

export const BackupSchema = z
  .object({
    artifactId: z.string().openapi({ example: "art_01jd2x5k8m0000abcdefghjkmn" }),
    engine: z.enum(DB_ENGINES),
    instanceId: z.string(),
    taskId: z.string().nullable(),
    size: z.number().int(),
    sha256: z.string(),
    createdAt: z.string(),
  })
  .openapi("Backup");

export function toBackup(row: ArtifactRow): z.infer<typeof BackupSchema> {
  return {
    artifactId: row.id,
    engine: row.engine as z.infer<typeof BackupSchema>["engine"],
    instanceId: row.instanceId ?? "",
    taskId: row.taskId,
    size: row.size,
    sha256: row.sha256,
    createdAt: row.createdAt.toISOString(),
  };
}
