/** Stored artifacts (backups, deployment plans) as the API lists them. */
import { z } from "@hono/zod-openapi";

export const ArtifactSchema = z
  .object({
    id: z.string().openapi({ example: "art_01jd2x5k8m0000abcdefghjkmn" }),
    kind: z.enum(["backup", "plan"]).or(z.string()),
    engine: z.string().nullable(),
    instanceId: z.string().nullable(),
    taskId: z.string().nullable(),
    size: z.number().int(),
    sha256: z.string(),
    createdAt: z.string(),
    serverVersion: z.string().nullable().openapi({ description: "Database server version at backup time" }),
    tableCount: z.number().int().nullable(),
    durationMs: z.number().int().nullable(),
    tool: z.string().nullable().openapi({ example: "pg_dump 15.20" }),
    simulated: z.boolean().openapi({ description: "True for demo-mode backups made without a database" }),
  })
  .openapi("Artifact");
export type Artifact = z.infer<typeof ArtifactSchema>;

export const ArtifactListSchema = z.object({ items: z.array(ArtifactSchema) });
export type ArtifactList = z.infer<typeof ArtifactListSchema>;

/** GET /api/artifacts filters. */
export interface ArtifactListQuery {
  instanceId?: string;
  engine?: string;
  kind?: "backup" | "plan";
  limit?: number;
}

export const EXAMPLE_ARTIFACT = {
  id: "art_01jd2x5k8m0000abcdefghjkmn",
  kind: "backup",
  engine: "azure-postgres",
  instanceId: "orders-db",
  taskId: "tsk_01jd2x5k8m0000abcdefghjkmn",
  size: 52_431_112,
  sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  createdAt: "2026-01-05T10:00:05.000Z",
  serverVersion: "16.4",
  tableCount: 12,
  durationMs: 8120,
  tool: "pg_dump 16.4",
  simulated: false,
};
