import { and, eq, lt } from "drizzle-orm";
import type { Database } from "../client";
import type { IdempotencyRow } from "../rows";

export type Reservation =
  | { state: "reserved" }
  | { state: "completed"; record: IdempotencyRow }
  | { state: "in_flight"; record: IdempotencyRow }
  | { state: "mismatch"; record: IdempotencyRow };

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
     * processes: exactly one of many simultaneous callers gets "reserved"; an expired claim is replaced.
     */
    async reserve(key: string, fingerprint: string, ttlMs: number, now = new Date()): Promise<Reservation> {
      await db
        .delete(idempotencyKeys)
        .where(and(eq(idempotencyKeys.key, key), lt(idempotencyKeys.expiresAt, now)));
      const inserted = await db
        .insert(idempotencyKeys)
        .values({ key, fingerprint, createdAt: now, expiresAt: new Date(now.getTime() + ttlMs) })
        .onConflictDoNothing()
        .returning({ key: idempotencyKeys.key });
      if (inserted.length > 0) return { state: "reserved" };
      const record = await get(key);
      if (!record) return this.reserve(key, fingerprint, ttlMs, now);
      if (record.fingerprint !== fingerprint) return { state: "mismatch", record };
      return record.statusCode === null ? { state: "in_flight", record } : { state: "completed", record };
    },

    async complete(
      key: string,
      statusCode: number,
      response: Record<string, unknown>,
      headers: Record<string, string>,
    ): Promise<void> {
      await db
        .update(idempotencyKeys)
        .set({ statusCode, response, headers })
        .where(eq(idempotencyKeys.key, key));
    },

    /** Frees a claim whose request failed, so the caller may try again with the same key. */
    async release(key: string): Promise<void> {
      await db.delete(idempotencyKeys).where(eq(idempotencyKeys.key, key));
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
