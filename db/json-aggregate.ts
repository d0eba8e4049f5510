import { getTableColumns, getTableName, type Table } from "drizzle-orm";
import type { Dialect } from "./client";

// Rows as one JSON array that the database builds, for reads that return many rows or repeat
// columns: @libsql/client turns each returned row into an object one Object.defineProperty per
// column (rowFromSql), and that, with drizzle's mapping, was most of a SQLite read's CPU. One row
// holding a JSON array costs one JSON.parse instead. Read each element with the table's raw-row codec
// (raw-rows.ts), which maps every value as the query builder would: in JSON, timestamps are epoch
// milliseconds (SQLite) or ISO text (PostgreSQL), and both map to a Date.

/**
 * Columns json_object can take: PostgreSQL functions take at most 100 arguments (a name and a value
 * per column) and SQLite's default limit is 127.
 */
export const MAX_JSON_COLUMNS = 50;

/** `'name', "from"."name", …` for every column of `table`: the arguments of json_object. */
export function jsonPairs(table: Table, from?: string): string {
  const columns = Object.values(getTableColumns(table));
  if (columns.length > MAX_JSON_COLUMNS)
    throw new Error(
      `${getTableName(table)} has ${columns.length} columns; json_object takes ${MAX_JSON_COLUMNS} (split the object)`,
    );
  return namedPairs(
    columns.map((column) => column.name),
    from,
  );
}

/** `'name', "from"."name", …` for the columns `names` (of a join or subquery, not one table). */
export function namedPairs(names: readonly string[], from?: string): string {
  const prefix = from ? `"${from}".` : "";
  return names.map((name) => `'${name}', ${prefix}"${name}"`).join(", ");
}

/** The aggregate of one JSON object per row (`pairs` from jsonPairs) in `order`, `[]` for no rows. */
export function jsonArrayOf(dialect: Dialect, pairs: string, order: string): string {
  return dialect === "postgres"
    ? `coalesce(json_agg(json_build_object(${pairs}) order by ${order}), '[]')`
    : `json_group_array(json_object(${pairs}) order by ${order})`;
}

/** One JSON object of `pairs` (from jsonPairs or namedPairs, plus any `'name', expression` pairs). */
export function jsonObjectOf(dialect: Dialect, pairs: string): string {
  return dialect === "postgres" ? `json_build_object(${pairs})` : `json_object(${pairs})`;
}

/** A JSON object column as read: text on SQLite, already parsed by node-postgres; null for none. */
export function parseJsonObject(value: unknown): Record<string, unknown> | null {
  const parsed = typeof value === "string" ? JSON.parse(value) : value;
  return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : null;
}

/** A JSON array column as read: text on SQLite, already parsed by node-postgres. */
export function parseJsonArray(value: unknown): Record<string, unknown>[] {
  const parsed = typeof value === "string" ? JSON.parse(value) : value;
  return Array.isArray(parsed) ? parsed : [];
}
