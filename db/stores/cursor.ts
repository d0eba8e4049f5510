import type { AnyColumn } from "drizzle-orm";
import { and, eq, lt, or, type SQL } from "drizzle-orm";

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

/** The WHERE fragment selecting rows strictly after the cursor in (createdAt desc, id desc) order. */
export function afterCursor(
  createdAtCol: AnyColumn,
  idCol: AnyColumn,
  cursor: { createdAt: Date; id: string },
): SQL {
  return or(
    lt(createdAtCol, cursor.createdAt),
    and(eq(createdAtCol, cursor.createdAt), lt(idCol, cursor.id)),
  ) as SQL;
}
