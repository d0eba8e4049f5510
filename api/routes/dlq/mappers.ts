import type { DeadLetter } from "../../../contracts/dead-letters";
import type { DeadLetterRow } from "../../../db/rows";
import { iso } from "../shared";

export function toDeadLetter(row: DeadLetterRow): DeadLetter {
  return {
    id: row.id,
    taskId: row.taskId,
    taskType: row.taskType,
    entityId: row.entityId,
    reason: row.reason,
    attempts: row.attempts,
    lastError: row.lastError,
    status: row.status as DeadLetter["status"],
    resolvedBy: row.resolvedBy,
    resolvedAt: iso(row.resolvedAt),
    createdAt: row.createdAt.toISOString(),
  };
}
