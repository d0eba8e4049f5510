import { z } from "@hono/zod-openapi";
import type { DeadLetterRow } from "../../../db/rows";
import { DEAD_LETTER_STATUSES } from "../../../db/stores/dead-letters-store";
import { idSchema, iso } from "../shared";

export const DLQ_ID_EXAMPLE = "dlq_01jd2x5k8m0000abcdefghjkmn";
export const DeadLetterParams = z.object({ id: idSchema("deadLetter", DLQ_ID_EXAMPLE) });

export const DeadLetterSchema = z
  .object({
    id: z.string().openapi({ example: DLQ_ID_EXAMPLE }),
    taskId: z.string(),
    taskType: z.string(),
    entityId: z.string(),
    reason: z.string().openapi({ example: "attempts_exhausted" }),
    attempts: z.number().int(),
    lastError: z.string(),
    status: z.enum(DEAD_LETTER_STATUSES),
    resolvedBy: z.string().nullable(),
    resolvedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("DeadLetter");

export function toDeadLetter(row: DeadLetterRow): z.infer<typeof DeadLetterSchema> {
  return {
    id: row.id,
    taskId: row.taskId,
    taskType: row.taskType,
    entityId: row.entityId,
    reason: row.reason,
    attempts: row.attempts,
    lastError: row.lastError,
    status: row.status as z.infer<typeof DeadLetterSchema>["status"],
    resolvedBy: row.resolvedBy,
    resolvedAt: iso(row.resolvedAt),
    createdAt: row.createdAt.toISOString(),
  };
}

export const EXAMPLE_DEAD_LETTER = {
  id: DLQ_ID_EXAMPLE,
  taskId: "tsk_01jd2x5k8m0000abcdefghjkmn",
  taskType: "db.restore",
  entityId: "azure-postgres/orders",
  reason: "permanent",
  attempts: 1,
  lastError: "artifact_corrupt: The backup does not match its recorded sha256",
  status: "open" as const,
  resolvedBy: null,
  resolvedAt: null,
  createdAt: "2026-01-05T10:00:05.000Z",
};
