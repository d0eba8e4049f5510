import { createRequire } from "node:module";

// @libsql/client's local driver (lib-esm/sqlite3.js, executeStmt) prepares every statement anew, then
// asks the statement whether it returns rows by calling raw() (which throws for an INSERT) and reads
// its column metadata twice. On `GET /api/tasks/{id}` over SQLite the profile put prepare at 6% and
// columns at 6% of the process's CPU, for statements that are the same few strings all day long.
// This keeps each connection's prepared statements by SQL text and remembers what never changes for a
// prepared statement: its columns and whether it reads. The native statement is reset on every run
// (the libsql package is better-sqlite3's API, made for reuse), and every call is synchronous, so a
// statement is never run twice at once.

interface NativeStatement {
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
  raw(on?: boolean): NativeStatement;
  safeIntegers(on?: boolean): NativeStatement;
  columns(): Array<{ name: string; type?: string | null }>;
  readonly reader: boolean;
}
interface NativeDatabase {
  prepare(sql: string): NativeStatement;
  exec(sql: string): unknown;
}
interface DatabaseClass {
  prototype: NativeDatabase;
}

/** Statements kept per connection; past this the oldest is dropped (ad hoc SQL must not grow memory). */
const MAX_STATEMENTS_PER_CONNECTION = 256;
/** DDL, which can change what a cached SELECT returns: not kept, and it empties the connection's cache. */
const SCHEMA_CHANGE = /^\s*(create|alter|drop)\b/i;
const PATCHED = Symbol.for("cloudops.libsqlStatementCache");

/** The `libsql` package exactly as @libsql/client loads it (a transitive dependency, wherever npm put it). */
export function libsqlDatabaseClass(): DatabaseClass {
  const fromHere = createRequire(import.meta.url);
  const fromClient = createRequire(fromHere.resolve("@libsql/client"));
  return fromClient("libsql") as DatabaseClass;
}

/**
 * Starts the SQL text of a statement that returns at most one row (a lookup by primary key, a
 * one-row INSERT or an UPDATE by id with RETURNING). @libsql/client reads every result with all(),
 * which opens a row iterator and fills a 100-row buffer in two native calls; get() takes the one row
 * in one. For a one-row result all() cost about 5 µs more (13.3 vs 8.4 µs for a lookup, 5.0 vs 1.0
 * for `select 1`). SQLite performs all of an INSERT, UPDATE or DELETE with RETURNING on its first
 * step, so get() leaves nothing undone. A plain comment: every database ignores it.
 */
export const AT_MOST_ONE_ROW = "/* at most one row */ ";

/**
 * A prepared statement whose fixed answers (columns, reader or not) are read once, and whose modes
 * (raw rows, 64-bit integers) cross into native code only when they change: @libsql/client sets both
 * before every run, the same way each time, and the end-to-end profile put those two native calls at
 * 2.5% of the worker's CPU (raw() alone 105 ms in a 3,000-task run).
 */
function remembering(statement: NativeStatement, sql: string): NativeStatement {
  const reader = statement.reader;
  if (reader && sql.startsWith(AT_MOST_ONE_ROW)) {
    const get = statement.get.bind(statement);
    statement.all = (...params: unknown[]) => {
      const row = get(...params);
      return row === undefined ? [] : [row];
    };
  }
  let columns: ReturnType<NativeStatement["columns"]> | null = null;
  let notAReader: Error | null = null;
  let rawMode: boolean | null = null;
  let safeIntegersMode: boolean | null = null;
  const raw = statement.raw.bind(statement);
  statement.raw = (on?: boolean) => {
    if (reader) {
      const wanted = on ?? true;
      if (wanted !== rawMode) {
        raw(wanted);
        rawMode = wanted;
      }
      return statement;
    }
    // The first call throws the driver's own error; later calls throw that same error again, without
    // crossing into native code or capturing a new stack.
    if (notAReader) throw notAReader;
    try {
      return raw(on);
    } catch (error) {
      notAReader = error as Error;
      throw error;
    }
  };
  const safeIntegers = statement.safeIntegers.bind(statement);
  statement.safeIntegers = (on?: boolean) => {
    const wanted = on ?? true;
    if (wanted !== safeIntegersMode) {
      safeIntegers(wanted);
      safeIntegersMode = wanted;
    }
    return statement;
  };
  const readColumns = statement.columns.bind(statement);
  statement.columns = () => {
    columns ??= readColumns();
    return columns;
  };
  return statement;
}

/**
 * Makes every libsql connection of this process reuse its prepared statements. Idempotent. DDL (a
 * CREATE, ALTER or DROP, or anything run through exec(), as migrations are) empties that connection's
 * cache, since it can change what a cached SELECT returns.
 */
export function cacheLibsqlStatements(): void {
  const Database = libsqlDatabaseClass();
  const proto = Database.prototype as NativeDatabase & { [PATCHED]?: true };
  if (proto[PATCHED]) return;
  proto[PATCHED] = true;
  const caches = new WeakMap<NativeDatabase, Map<string, NativeStatement>>();
  const prepare = proto.prepare;
  const exec = proto.exec;
  proto.prepare = function (this: NativeDatabase, sql: string) {
    if (SCHEMA_CHANGE.test(sql)) {
      caches.delete(this);
      return prepare.call(this, sql);
    }
    let cache = caches.get(this);
    if (!cache) {
      cache = new Map();
      caches.set(this, cache);
    }
    const cached = cache.get(sql);
    if (cached) {
      // Most recently used last, so the oldest is first to go.
      cache.delete(sql);
      cache.set(sql, cached);
      return cached;
    }
    const statement = remembering(prepare.call(this, sql), sql);
    cache.set(sql, statement);
    if (cache.size > MAX_STATEMENTS_PER_CONNECTION) cache.delete(cache.keys().next().value as string);
    return statement;
  };
  proto.exec = function (this: NativeDatabase, sql: string) {
    caches.delete(this);
    return exec.call(this, sql);
  };
}
