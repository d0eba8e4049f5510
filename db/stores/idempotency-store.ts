import { and, eq, isNull, lt, lte, or } from "drizzle-orm";
import type { Database } from "../client";
import type { IdempotencyRow } from "../rows";

export type Reservation =
  /** The caller owns the key; `taskId` names the task an earlier, failed attempt already created. */
  | { state: "reserved"; taskId: string | null }
  | { state: "completed"; record: IdempotencyRow }
  | { state: "in_flight"; record: IdempotencyRow }
  | { state: "mismatch"; record: IdempotencyRow };

export interface ReserveOptions {
  /** How long a completed answer is kept (IDEMPOTENCY_TTL_HOURS). */
  ttlMs: number;
  /** How long an in-flight claim holds the key unless renewed: a crashed owner frees it after this. */
  leaseMs: number;
}

export function createIdempotencyStore(database: Database) {
  const { db, schema } = database;
  const { idempotencyKeys } = schema;

  async function get(key: string): Promise<IdempotencyRow | null> {
    const rows = await db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key)).limit(1);
    return rows[0] ?? null;
  }

  return {
    get,

    /**
     * Claims `key` for a request with `fingerprint`. The primary key makes the claim atomic across
     * processes: exactly one of many simultaneous callers gets "reserved". An expired key is replaced;
     * an unanswered claim whose lease ran out (its process died, or its request failed) is taken over.
     */
    async reserve(
      key: string,
      fingerprint: string,
      options: ReserveOptions,
      now = new Date(),
    ): Promise<Reservation> {
      const leaseEnd = new Date(now.getTime() + options.leaseMs);
      const fresh = {
        fingerprint,
        statusCode: null,
        response: null,
        headers: null,
        taskId: null,
        lockedUntil: leaseEnd,
        createdAt: now,
        expiresAt: new Date(now.getTime() + options.ttlMs),
      };
      // One statement (one commit on SQLite, one round trip on PostgreSQL) where a delete of the
      // expired key and then an insert were two: a key past its expiry is overwritten in place.
      const inserted = await db
        .insert(idempotencyKeys)
        .values({ key, ...fresh })
        .onConflictDoUpdate({
          target: idempotencyKeys.key,
          set: fresh,
          setWhere: lt(idempotencyKeys.expiresAt, now),
        })
        .returning({ key: idempotencyKeys.key });
      if (inserted.length > 0) return { state: "reserved", taskId: null };
      const record = await get(key);
      if (!record) return this.reserve(key, fingerprint, options, now);
      if (record.fingerprint !== fingerprint) return { state: "mismatch", record };
      if (record.statusCode !== null) return { state: "completed", record };
      const taken = await db
        .update(idempotencyKeys)
        .set({ lockedUntil: leaseEnd })
        .where(
          and(
            eq(idempotencyKeys.key, key),
            isNull(idempotencyKeys.statusCode),
            or(isNull(idempotencyKeys.lockedUntil), lte(idempotencyKeys.lockedUntil, now)),
          ),
        )
        .returning({ taskId: idempotencyKeys.taskId });
      const claim = taken[0];
      return claim ? { state: "reserved", taskId: claim.taskId } : { state: "in_flight", record };
    },

    /** Extends the lease of a claim still being served. */
    async renew(key: string, leaseMs: number, now = new Date()): Promise<void> {
      await db
        .update(idempotencyKeys)
        .set({ lockedUntil: new Date(now.getTime() + leaseMs) })
        .where(and(eq(idempotencyKeys.key, key), isNull(idempotencyKeys.statusCode)));
    },

    /** Links the task a request created to its key; call it in the task's own transaction. */
    async attachTask(key: string, taskId: string): Promise<void> {
      await db.update(idempotencyKeys).set({ taskId }).where(eq(idempotencyKeys.key, key));
    },

    /** Unlinks a task that was discarded (never published), so releasing the claim frees the key. */
    async detachTask(key: string, taskId: string): Promise<void> {
      await db
        .update(idempotencyKeys)
        .set({ taskId: null })
        .where(and(eq(idempotencyKeys.key, key), eq(idempotencyKeys.taskId, taskId)));
    },

    /** Stores the answer to replay; `response` is null for an answer without a body (204). */
    async complete(
      key: string,
      statusCode: number,
      response: Record<string, unknown> | null,
      headers: Record<string, string>,
    ): Promise<void> {
      await db
        .update(idempotencyKeys)
        .set({ statusCode, response, headers, lockedUntil: null })
        .where(eq(idempotencyKeys.key, key));
    },

    /**
     * Frees a claim whose request failed, so the caller may try again with the same key. A claim that
     * already created a task keeps its link (unlocked): the retry answers with that task.
     */
    async release(key: string): Promise<void> {
      await db
        .delete(idempotencyKeys)
        .where(and(eq(idempotencyKeys.key, key), isNull(idempotencyKeys.taskId)));
      await db.update(idempotencyKeys).set({ lockedUntil: null }).where(eq(idempotencyKeys.key, key));
    },

    async purgeExpired(now = new Date()): Promise<number> {
      const rows = await db
        .delete(idempotencyKeys)
        .where(lt(idempotencyKeys.expiresAt, now))
        .returning({ key: idempotencyKeys.key });
      return rows.length;
    },
  };
}

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;
