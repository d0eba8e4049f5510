import { and, desc, eq, type SQL } from "drizzle-orm";
import { DEAD_LETTER_STATUSES, type DeadLetterStatus } from "../../domain/model/dead-letter-status";
import { newId } from "../../domain/model/ids";
import type { Database } from "../client";
import { ConflictError, NotFoundError } from "../errors";
import type { DeadLetterRow, Page } from "../rows";
import { afterCursor, decodeCursor, encodeCursor } from "./cursor";

export { DEAD_LETTER_STATUSES, type DeadLetterStatus };

export interface NewDeadLetter {
  taskId: string;
  taskType: string;
  entityId: string;
  reason: string;
  attempts: number;
  lastError: string;
}

export function createDeadLettersStore(database: Database) {
  const { db, schema } = database;
  const { deadLetters } = schema;

  return {
    /** Files a dead letter for a task; when the task already has an open one, that one is returned. */
    async create(input: NewDeadLetter, now = new Date()): Promise<DeadLetterRow> {
      const rows = await db
        .insert(deadLetters)
        .values({ id: newId("deadLetter", now.getTime()), ...input, status: "open", createdAt: now })
        .onConflictDoNothing()
        .returning();
      const row = rows[0] ?? (await this.openForTask(input.taskId));
      if (!row) throw new Error("dead letter insert returned no row");
      return row;
    },

    async get(id: string): Promise<DeadLetterRow | null> {
      const rows = await db.select().from(deadLetters).where(eq(deadLetters.id, id)).limit(1);
      return rows[0] ?? null;
    },

    async list(
      filter: { status?: DeadLetterStatus; limit?: number; cursor?: string | null } = {},
    ): Promise<Page<DeadLetterRow>> {
      const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200);
      const conditions: SQL[] = [];
      if (filter.status) conditions.push(eq(deadLetters.status, filter.status));
      if (filter.cursor) {
        const cursor = decodeCursor(filter.cursor);
        if (!cursor) throw new ConflictError("invalid_cursor", "The cursor is not one this API issued");
        conditions.push(afterCursor(deadLetters.createdAt, deadLetters.id, cursor));
      }
      const rows = await db
        .select()
        .from(deadLetters)
        .where(conditions.length ? and(...conditions) : undefined)
        .orderBy(desc(deadLetters.createdAt), desc(deadLetters.id))
        .limit(limit + 1);
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return {
        items,
        nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
      };
    },

    /** Closes an open dead letter as retried or skipped; only one caller can win. */
    async resolve(
      id: string,
      status: Exclude<DeadLetterStatus, "open">,
      by: string,
      now = new Date(),
    ): Promise<DeadLetterRow> {
      const rows = await db
        .update(deadLetters)
        .set({ status, resolvedBy: by, resolvedAt: now })
        .where(and(eq(deadLetters.id, id), eq(deadLetters.status, "open")))
        .returning();
      const row = rows[0];
      if (row) return row;
      const existing = await this.get(id);
      if (!existing) throw new NotFoundError("dead_letter_not_found", `No dead letter has the id ${id}`);
      throw new ConflictError("dead_letter_resolved", `The dead letter was already ${existing.status}`);
    },

    /** The task's most recent dead letter, open or resolved (the run page shows a skip). */
    async latestForTask(taskId: string): Promise<DeadLetterRow | null> {
      const rows = await db
        .select()
        .from(deadLetters)
        .where(eq(deadLetters.taskId, taskId))
        .orderBy(desc(deadLetters.createdAt), desc(deadLetters.id))
        .limit(1);
      return rows[0] ?? null;
    },

    async openForTask(taskId: string): Promise<DeadLetterRow | null> {
      const rows = await db
        .select()
        .from(deadLetters)
        .where(and(eq(deadLetters.taskId, taskId), eq(deadLetters.status, "open")))
        .limit(1);
      return rows[0] ?? null;
    },
  };
}

export type DeadLettersStore = ReturnType<typeof createDeadLettersStore>;
