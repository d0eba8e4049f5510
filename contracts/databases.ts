import { z } from "@hono/zod-openapi";
import { DB_ENGINES } from "../domain/model/task-types";
import { dnsLabel, FailureInjectionFields, idSchema } from "./common";

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

export const BackupListQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });
export const BackupListSchema = z.object({ items: z.array(BackupSchema) });

export type RestoreRequest = z.infer<typeof RestoreRequestSchema>;
export type Backup = z.infer<typeof BackupSchema>;
export type BackupListQuery = Partial<z.output<typeof BackupListQuery>>;
export type BackupList = z.infer<typeof BackupListSchema>;

export const DbInstanceSchema = z
  .object({
    id: z.string().openapi({ example: "orders-db" }),
    engine: z.enum(DB_ENGINES),
    environment: z.string().optional().openapi({ example: "shop/prod" }),
  })
  .openapi("DbInstance");

/** GET /api/db/instances: ids, engines and environments only, never URLs. */
export const DbInstanceListSchema = z.object({
  simulated: z
    .boolean()
    .openapi({ description: "True in demo mode without DB_INSTANCES: any instance id is accepted" }),
  items: z.array(DbInstanceSchema),
});

export type DbInstanceInfo = z.infer<typeof DbInstanceSchema>;
export type DbInstanceList = z.infer<typeof DbInstanceListSchema>;
