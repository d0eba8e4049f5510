import { z } from "@hono/zod-openapi";
import { DEAD_LETTER_STATUSES } from "../domain/model/dead-letter-status";
import { idSchema } from "./common";

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

export const DeadLetterListQuery = z.object({
  status: z.enum(DEAD_LETTER_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const DeadLetterPageSchema = z.object({
  items: z.array(DeadLetterSchema),
  nextCursor: z.string().nullable(),
});

export const RetryDeadLetterRequestSchema = z
  .strictObject({ fromScratch: z.boolean().optional() })
  .openapi("RetryDeadLetterRequest");

export type DeadLetter = z.infer<typeof DeadLetterSchema>;
export type DeadLetterListQuery = Partial<z.output<typeof DeadLetterListQuery>>;
export type DeadLetterPage = z.infer<typeof DeadLetterPageSchema>;
export type RetryDeadLetterRequest = z.infer<typeof RetryDeadLetterRequestSchema>;

export const EXAMPLE_DEAD_LETTER: DeadLetter = {
  id: DLQ_ID_EXAMPLE,
  taskId: "tsk_01jd2x5k8m0000abcdefghjkmn",
  taskType: "db.restore",
  entityId: "azure-postgres/orders",
  reason: "permanent",
  attempts: 1,
  lastError: "artifact_corrupt: The backup does not match its recorded sha256",
  status: "open",
  resolvedBy: null,
  resolvedAt: null,
  createdAt: "2026-01-05T10:00:05.000Z",
};
