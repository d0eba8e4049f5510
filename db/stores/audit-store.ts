import { desc, eq } from "drizzle-orm";
import { newId } from "../../domain/model/ids";
import type { Database } from "../client";
import { encoded, prepared } from "../prepared-statements";
import type { AuditRow } from "../rows";

export type NewAuditEntry = Omit<AuditRow, "id" | "at" | "entity" | "requestId" | "detail"> &
  Partial<Pick<AuditRow, "entity" | "requestId" | "detail">>;

export function createAuditStore(database: Database) {
  const { db, schema } = database;
  const { auditLog } = schema;

  return {
    async record(entry: NewAuditEntry, now = new Date()): Promise<void> {
      // Every column a placeholder, so one prepared statement serves every entry (one per request).
      const insert = prepared(database, "audit_insert", (db) =>
        db.insert(auditLog).values({
          id: encoded(auditLog.id, "id"),
          at: encoded(auditLog.at, "at"),
          actor: encoded(auditLog.actor, "actor"),
          role: encoded(auditLog.role, "role"),
          source: encoded(auditLog.source, "source"),
          action: encoded(auditLog.action, "action"),
          entity: encoded(auditLog.entity, "entity"),
          outcome: encoded(auditLog.outcome, "outcome"),
          requestId: encoded(auditLog.requestId, "requestId"),
          detail: encoded(auditLog.detail, "detail"),
        }),
      );
      await insert.execute({
        id: newId("audit", now.getTime()),
        at: now,
        entity: null,
        requestId: null,
        detail: null,
        ...entry,
      });
    },

    /** Entries naming `entity`, newest first (who cancelled, retried or skipped a task of it). */
    async forEntity(entity: string, limit = 200): Promise<AuditRow[]> {
      return db
        .select()
        .from(auditLog)
        .where(eq(auditLog.entity, entity))
        .orderBy(desc(auditLog.at), desc(auditLog.id))
        .limit(limit);
    },

    async recent(limit = 100): Promise<AuditRow[]> {
      return db.select().from(auditLog).orderBy(desc(auditLog.at), desc(auditLog.id)).limit(limit);
    },
  };
}

export type AuditStore = ReturnType<typeof createAuditStore>;
