import type { AnyColumn } from "drizzle-orm";
import { type SQL, sql } from "drizzle-orm";

/** Opaque keyset cursor over (createdAt desc, id desc). */
export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.getTime()}:${id}`).toString("base64url");
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } | null {
  const raw = Buffer.from(cursor, "base64url").toString("utf8");
  const match = /^(\d{1,15}):([a-z]{3}_[0-9a-z]{26})$/.exec(raw);
  if (!match?.[1] || !match[2]) return null;
  return { createdAt: new Date(Number(match[1])), id: match[2] };
}

/**
 * The WHERE fragment selecting rows strictly after the cursor in (createdAt desc, id desc) order.
 * Written as a row-value comparison: SQLite and PostgreSQL both seek the (…, created_at, id) index
 * with it, where the equivalent `a < ? OR (a = ? AND b < ?)` made SQLite scan (4.2 ms against 0.9 ms
 * a page deep in 50k rows). Each value goes through its column's encoder (timestamps as SQLite stores them).
 */
export function afterCursor(
  createdAtCol: AnyColumn,
  idCol: AnyColumn,
  cursor: { createdAt: Date; id: string },
): SQL {
  return sql`(${createdAtCol}, ${idCol}) < (${sql.param(cursor.createdAt, createdAtCol)}, ${sql.param(cursor.id, idCol)})`;
}
