import { type Column, getTableColumns, type Table } from "drizzle-orm";

/**
 * One table's rows for the few statements of the task engine's hot path that are written as SQL
 * text (`Database.rawQuery`) instead of through the query builder: values go in and come out through
 * each column's own drizzle mapping (mapToDriverValue / mapFromDriverValue), so a row read here is
 * the row the builder would have returned (Dates, parsed JSON, booleans) on either dialect.
 *
 * Why not the builder: it rebuilds a statement's SQL on every call. The end-to-end profile (3 no-op
 * steps per task, SQLite) put drizzle's building (entity checks, SQL chunks, column selection) at a
 * quarter of the worker's CPU, for statements whose text depends only on which columns they set.
 */
export function rawRows<Row>(table: Table) {
  const columns = Object.entries(getTableColumns(table)) as [string, Column][];
  const byKey = new Map(columns);
  const quoted = (column: Column) => `"${column.name}"`;

  function column(key: string): Column {
    const found = byKey.get(key);
    if (!found) throw new Error(`no column ${key}`);
    return found;
  }

  return {
    /** Every column, quoted, in declaration order (for `select` and `returning`). */
    columnList: columns.map(([, c]) => quoted(c)).join(", "),
    /** The quoted column name of a property. */
    name: (key: string): string => quoted(column(key)),
    /** A property's value as the driver takes it (null stays null). */
    toDriver(key: string, value: unknown): unknown {
      return value === null || value === undefined ? null : column(key).mapToDriverValue(value);
    },
    /** A row as the driver returned it (keyed by column name), as the query builder would map it. */
    fromRow(row: Record<string, unknown>): Row {
      const out: Record<string, unknown> = {};
      for (const [key, c] of columns) {
        const value = row[c.name];
        out[key] = value === null || value === undefined ? null : c.mapFromDriverValue(value);
      }
      return out as Row;
    },
  };
}

export type RawRows<Row> = ReturnType<typeof rawRows<Row>>;
