import { and, asc, eq, inArray, lt, lte, max, sql } from "drizzle-orm";
import { newId } from "../../domain/model/ids";
import type { Database } from "../client";
import { encoded, prepared } from "../prepared-statements";
import type { NotificationOutboxRow } from "../rows";

export const OUTBOX_STATUSES = ["pending", "sending", "delivered", "failed"] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

export interface NewOutboxRow {
  channel: "teams" | "email";
  /** Groups messages to one target; never the raw webhook URL (that lives in the payload). */
  routeKey: string;
  projectId: string | null;
  entityId: string;
  taskId: string | null;
  payload: Record<string, unknown>;
}

/** A route (target) and entity pair: the unit of the "one message per window" rule. */
export interface OutboxGroup {
  routeKey: string;
  entityId: string;
}

export interface GroupState {
  pending: NotificationOutboxRow[];
  /** Latest lease of a row some process is sending right now, if any. */
  sendingUntil: Date | null;
  lastDeliveredAt: Date | null;
}

export type Settlement =
  | { status: "pending"; nextAttemptAt: Date; lastError: string }
  | { status: "failed"; lastError: string };

/**
 * The durable notification outbox. Rows are claimed atomically (a conditional UPDATE from pending to
 * sending that sets a lease), so several dispatcher processes never send the same row twice; the
 * lease time doubles as the fencing token when the claim is settled.
 */
export function createNotificationOutboxStore(database: Database) {
  const { db, schema } = database;
  const { notificationOutbox: outbox } = schema;
  const inGroup = (g: OutboxGroup) => and(eq(outbox.routeKey, g.routeKey), eq(outbox.entityId, g.entityId));

  return {
    async enqueue(rows: NewOutboxRow[], now = new Date()): Promise<NotificationOutboxRow[]> {
      if (rows.length === 0) return [];
      return db
        .insert(outbox)
        .values(
          rows.map((row) => ({
            id: newId("notification", now.getTime()),
            ...row,
            status: "pending",
            attempts: 0,
            nextAttemptAt: now,
            createdAt: now,
          })),
        )
        .returning();
    },

    /** Hands rows whose sender died mid-send (lease over) back to pending. */
    // The two statements of every poll (several a second, mostly finding nothing) are prepared once.
    async releaseExpiredLeases(now = new Date()): Promise<number> {
      const statement = prepared(database, "outbox_release_leases", (db) =>
        db
          .update(outbox)
          .set({ status: "pending" })
          .where(
            and(
              eq(outbox.status, "sending"),
              lte(outbox.nextAttemptAt, encoded(outbox.nextAttemptAt, "now")),
            ),
          )
          .returning({ id: outbox.id }),
      );
      const rows = await statement.execute({ now });
      return rows.length;
    },

    /** Groups that have at least one pending row due at `now`, oldest first. */
    async dueGroups(now = new Date(), limit = 50): Promise<OutboxGroup[]> {
      const statement = prepared(database, "outbox_due_groups", (db) =>
        db
          .select({ routeKey: outbox.routeKey, entityId: outbox.entityId })
          .from(outbox)
          .where(
            and(
              eq(outbox.status, "pending"),
              lte(outbox.nextAttemptAt, encoded(outbox.nextAttemptAt, "now")),
            ),
          )
          .orderBy(asc(outbox.nextAttemptAt), asc(outbox.id))
          .limit(sql.placeholder("limit")),
      );
      const rows = await statement.execute({ now, limit: limit * 4 });
      const seen = new Map<string, OutboxGroup>();
      for (const row of rows) seen.set(JSON.stringify([row.routeKey, row.entityId]), row);
      return [...seen.values()].slice(0, limit);
    },

    async groupState(group: OutboxGroup): Promise<GroupState> {
      const open = await db
        .select()
        .from(outbox)
        .where(and(inGroup(group), inArray(outbox.status, ["pending", "sending"])))
        .orderBy(asc(outbox.createdAt), asc(outbox.id));
      const delivered = await db
        .select({ at: max(outbox.deliveredAt) })
        .from(outbox)
        .where(and(inGroup(group), eq(outbox.status, "delivered")));
      const leases = open.filter((r) => r.status === "sending").map((r) => r.nextAttemptAt.getTime());
      return {
        pending: open.filter((r) => r.status === "pending"),
        sendingUntil: leases.length ? new Date(Math.max(...leases)) : null,
        lastDeliveredAt: toDate(delivered[0]?.at),
      };
    },

    /** Holds every pending row of the group until `until` (the end of its quiet window or backoff). */
    async defer(group: OutboxGroup, until: Date): Promise<number> {
      const rows = await db
        .update(outbox)
        .set({ nextAttemptAt: until })
        .where(and(inGroup(group), eq(outbox.status, "pending"), lt(outbox.nextAttemptAt, until)))
        .returning({ id: outbox.id });
      return rows.length;
    },

    /** Atomically takes every due pending row of the group for this process until `leaseUntil`. */
    async claim(group: OutboxGroup, now: Date, leaseUntil: Date): Promise<NotificationOutboxRow[]> {
      return db
        .update(outbox)
        .set({ status: "sending", attempts: sql`${outbox.attempts} + 1`, nextAttemptAt: leaseUntil })
        .where(and(inGroup(group), eq(outbox.status, "pending"), lte(outbox.nextAttemptAt, now)))
        .returning();
    },

    /** Marks claimed rows delivered; rows whose lease was lost to another process are left alone. */
    async markDelivered(ids: string[], leaseUntil: Date, now = new Date()): Promise<number> {
      if (ids.length === 0) return 0;
      const rows = await db
        .update(outbox)
        .set({ status: "delivered", deliveredAt: now, lastError: null })
        .where(
          and(inArray(outbox.id, ids), eq(outbox.status, "sending"), eq(outbox.nextAttemptAt, leaseUntil)),
        )
        .returning({ id: outbox.id });
      return rows.length;
    },

    /** Puts one claimed row back for a later attempt, or gives it up (status failed, last error kept). */
    async settle(id: string, leaseUntil: Date, outcome: Settlement): Promise<boolean> {
      const rows = await db
        .update(outbox)
        .set(
          outcome.status === "pending"
            ? { status: "pending", nextAttemptAt: outcome.nextAttemptAt, lastError: outcome.lastError }
            : { status: "failed", lastError: outcome.lastError },
        )
        .where(and(eq(outbox.id, id), eq(outbox.status, "sending"), eq(outbox.nextAttemptAt, leaseUntil)))
        .returning({ id: outbox.id });
      return rows.length > 0;
    },

    /** Deletes delivered and given-up rows created before `before` (kept that long for inspection). */
    async purge(before: Date): Promise<number> {
      const rows = await db
        .delete(outbox)
        .where(and(inArray(outbox.status, ["delivered", "failed"]), lt(outbox.createdAt, before)))
        .returning({ id: outbox.id });
      return rows.length;
    },

    async list(filter: { taskId?: string; status?: OutboxStatus } = {}): Promise<NotificationOutboxRow[]> {
      const conditions = [];
      if (filter.taskId) conditions.push(eq(outbox.taskId, filter.taskId));
      if (filter.status) conditions.push(eq(outbox.status, filter.status));
      return db
        .select()
        .from(outbox)
        .where(conditions.length ? and(...conditions) : undefined)
        .orderBy(asc(outbox.createdAt), asc(outbox.id));
    },
  };
}

// max() over a timestamp comes back as a Date from PostgreSQL and may come back raw from SQLite.
function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  const date = new Date(typeof value === "number" ? value : String(value));
  return Number.isNaN(date.getTime()) ? null : date;
}

export type NotificationOutboxStore = ReturnType<typeof createNotificationOutboxStore>;
