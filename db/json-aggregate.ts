import { getTableColumns, type Table } from "drizzle-orm";
import type { Dialect } from "./client";

// Rows as one JSON array that the database builds, for reads that return many rows or repeat
// columns: @libsql/client turns each returned row into an object one Object.defineProperty per
// column (rowFromSql), and that, with drizzle's mapping, was most of a SQLite read's CPU. One row
// holding a JSON array costs one JSON.parse instead. Read each element with the table's raw-row codec
// (raw-rows.ts), which maps every value as the query builder would: in JSON, timestamps are epoch
// milliseconds (SQLite) or ISO text (PostgreSQL), and both map to a Date.

/** `'name', "from"."name", …` for every column of `table`: the arguments of json_object. */
export function jsonPairs(table: Table, from?: string): string {
  const prefix = from ? `"${from}".` : "";
  return Object.values(getTableColumns(table))
    .map((column) => `'${column.name}', ${prefix}"${column.name}"`)
    .join(", ");
}

/** The aggregate of one JSON object per row (`pairs` from jsonPairs) in `order`, `[]` for no rows. */
export function jsonArrayOf(dialect: Dialect, pairs: string, order: string): string {
  return dialect === "postgres"
    ? `coalesce(json_agg(json_build_object(${pairs}) order by ${order}), '[]')`
    : `json_group_array(json_object(${pairs}) order by ${order})`;
}

/** A JSON array column as read: text on SQLite, already parsed by node-postgres. */
export function parseJsonArray(value: unknown): Record<string, unknown>[] {
  const parsed = typeof value === "string" ? JSON.parse(value) : value;
  return Array.isArray(parsed) ? parsed : [];
}
