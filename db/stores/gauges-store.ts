import { and, count, eq, inArray, min } from "drizzle-orm";
import type { Database } from "../client";

export interface StateGauges {
  /** Creation time of the oldest task still waiting to start; null when none waits. */
  oldestQueuedAt: Date | null;
  deadLettersOpen: number;
  outboxPending: number;
  outboxFailed: number;
}

/**
 * Cheap aggregate reads for the metrics scrape: each is one indexed query (status leads the index),
 * run only when Prometheus or the OTLP reader asks.
 */
export function createGaugesStore(database: Database) {
  const { db, schema } = database;
  const { tasks, deadLetters, notificationOutbox } = schema;
  return {
    async read(): Promise<StateGauges> {
      const [oldest, letters, outbox] = await Promise.all([
        db
          .select({ at: min(tasks.createdAt) })
          .from(tasks)
          .where(eq(tasks.status, "queued")),
        db.select({ n: count() }).from(deadLetters).where(eq(deadLetters.status, "open")),
        db
          .select({ status: notificationOutbox.status, n: count() })
          .from(notificationOutbox)
          .where(inArray(notificationOutbox.status, ["pending", "failed"]))
          .groupBy(notificationOutbox.status),
      ]);
      const at = oldest[0]?.at ?? null;
      const outboxOf = (status: string) => Number(outbox.find((r) => r.status === status)?.n ?? 0);
      return {
        // min() over a timestamp column comes back raw (a number on SQLite, a string on PostgreSQL).
        oldestQueuedAt: at === null ? null : new Date(at as unknown as string | number),
        deadLettersOpen: Number(letters[0]?.n ?? 0),
        outboxPending: outboxOf("pending"),
        outboxFailed: outboxOf("failed"),
      };
    },

    /** How many of these tasks are `running` in the database (a queue head between attempts = delayed). */
    async countRunning(taskIds: string[]): Promise<number> {
      if (taskIds.length === 0) return 0;
      const rows = await db
        .select({ n: count() })
        .from(tasks)
        .where(and(inArray(tasks.id, taskIds), eq(tasks.status, "running")));
      return Number(rows[0]?.n ?? 0);
    },
  };
}
