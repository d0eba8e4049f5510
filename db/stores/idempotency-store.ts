import { and, eq, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { Database } from "../client";
import { encoded, prepared } from "../prepared-statements";
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

  const key = sql.placeholder("key");

  async function get(keyValue: string): Promise<IdempotencyRow | null> {
    const statement = prepared(database, "idempotency_get", (db) =>
      db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key)).limit(1),
    );
    const rows = await statement.execute({ key: keyValue });
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
      keyValue: string,
      fingerprint: string,
      options: ReserveOptions,
      now = new Date(),
    ): Promise<Reservation> {
      const values = {
        key: keyValue,
        fingerprint,
        leaseEnd: new Date(now.getTime() + options.leaseMs),
        now,
        expiresAt: new Date(now.getTime() + options.ttlMs),
      };
      // One statement (one commit on SQLite, one round trip on PostgreSQL) where a delete of the
      // expired key and then an insert were two: a key past its expiry is overwritten in place.
      const insert = prepared(database, "idempotency_reserve", (db) => {
        const fresh = {
          fingerprint: encoded(idempotencyKeys.fingerprint, "fingerprint"),
          statusCode: null,
          response: null,
          headers: null,
          taskId: null,
          lockedUntil: encoded(idempotencyKeys.lockedUntil, "leaseEnd"),
          createdAt: encoded(idempotencyKeys.createdAt, "now"),
          expiresAt: encoded(idempotencyKeys.expiresAt, "expiresAt"),
        };
        return db
          .insert(idempotencyKeys)
          .values({ key, ...fresh })
          .onConflictDoUpdate({
            target: idempotencyKeys.key,
            set: fresh,
            setWhere: lt(idempotencyKeys.expiresAt, encoded(idempotencyKeys.expiresAt, "now")),
          })
          .returning({ key: idempotencyKeys.key });
      });
      const inserted = await insert.execute(values);
      if (inserted.length > 0) return { state: "reserved", taskId: null };
      const record = await get(keyValue);
      if (!record) return this.reserve(keyValue, fingerprint, options, now);
      if (record.fingerprint !== fingerprint) return { state: "mismatch", record };
      if (record.statusCode !== null) return { state: "completed", record };
      const takeOver = prepared(database, "idempotency_take_over", (db) =>
        db
          .update(idempotencyKeys)
          .set({ lockedUntil: encoded(idempotencyKeys.lockedUntil, "leaseEnd") })
          .where(
            and(
              eq(idempotencyKeys.key, key),
              isNull(idempotencyKeys.statusCode),
              or(
                isNull(idempotencyKeys.lockedUntil),
                lte(idempotencyKeys.lockedUntil, encoded(idempotencyKeys.lockedUntil, "now")),
              ),
            ),
          )
          .returning({ taskId: idempotencyKeys.taskId }),
      );
      const taken = await takeOver.execute(values);
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
      keyValue: string,
      statusCode: number,
      response: Record<string, unknown> | null,
      headers: Record<string, string>,
    ): Promise<void> {
      const statement = prepared(database, "idempotency_complete", (db) =>
        db
          .update(idempotencyKeys)
          .set({
            statusCode: encoded(idempotencyKeys.statusCode, "statusCode"),
            response: encoded(idempotencyKeys.response, "response"),
            headers: encoded(idempotencyKeys.headers, "headers"),
            lockedUntil: null,
          })
          .where(eq(idempotencyKeys.key, key)),
      );
      await statement.execute({ key: keyValue, statusCode, response, headers });
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
