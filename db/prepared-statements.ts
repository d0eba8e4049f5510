import { type Column, Param, type SQL, sql } from "drizzle-orm";
import type { AppDb, Database } from "./client";

/** What drizzle's `.prepare()` gives on both dialects: the statement with its SQL built once. */
export interface PreparedStatement<Result> {
  execute(values?: Record<string, unknown>): Promise<Result>;
}

interface Preparable<Result> {
  prepare(name: string): PreparedStatement<Result>;
}

const byHandle = new WeakMap<object, Map<string, PreparedStatement<unknown>>>();
/** PostgreSQL statement names: short (identifiers are cut at 63 bytes), one per key in this process. */
const names = new Map<string, string>();
function nameOf(key: string): string {
  let name = names.get(key);
  if (!name) {
    name = `cloudops_built_${names.size + 1}`;
    names.set(key, name);
  }
  return name;
}

/**
 * A statement of the query builder, built once per database handle and run as drizzle's prepared
 * query: its values are placeholders (`encoded` below), filled on each call.
 *
 * Why: the builder rebuilds a statement's SQL on every call (entity checks, SQL chunks, column
 * selection). Timed alone (SQLite, a task's row by id, 20,000 reads): 213–262 µs of CPU per read
 * through the builder, 63–69 µs prepared. In bench:bot's runtime the builder's statements (idempotency
 * keys, the audit log, bot cards, task reads) were about 12% of its CPU.
 *
 * `key` names the statement's shape: one key, one SQL text. A handle bound to a transaction lives for
 * that transaction only, so its statements are prepared per call.
 */
export function prepared<Result>(
  database: Database,
  key: string,
  build: (db: AppDb) => Preparable<Result>,
): PreparedStatement<Result> {
  if (database.inTransaction) return build(database.db).prepare(nameOf(key));
  let statements = byHandle.get(database.db);
  if (!statements) {
    statements = new Map();
    byHandle.set(database.db, statements);
  }
  let statement = statements.get(key) as PreparedStatement<Result> | undefined;
  if (!statement) {
    statement = build(database.db).prepare(nameOf(key));
    statements.set(key, statement as PreparedStatement<unknown>);
  }
  return statement;
}

/**
 * A placeholder mapped by `column` as a plain value would be (a Date to the dialect's timestamp, an
 * object to JSON; null stays SQL NULL), for values, set clauses and conditions alike. drizzle's own
 * mapping of a placeholder's value calls the column's mapper on null too (JSON columns would store
 * the text `null`, timestamps throw), and in conditions (eq, lt, …) it maps nothing.
 */
export function encoded(column: Column, name: string): SQL {
  const nullSafe = {
    mapToDriverValue: (value: unknown) =>
      value === null || value === undefined ? null : column.mapToDriverValue(value),
  };
  return sql`${new Param(sql.placeholder(name), nullSafe)}`;
}
