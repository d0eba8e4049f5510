import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, type InArgs } from "@libsql/client";
import { type SQL, sql } from "drizzle-orm";
import { drizzle as drizzleSqlite } from "drizzle-orm/libsql";
import { migrate as migrateSqlite } from "drizzle-orm/libsql/migrator";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type pg from "pg";
import { cacheLibsqlStatements } from "./libsql-statement-cache";
import * as pgSchema from "./schema/pg/index";
import * as sqliteSchema from "./schema/sqlite/index";
import { groupCommit, SavepointRollbackFailed, serializeClient } from "./sqlite-serial";
import { BACKSTOP_PAGES, lazyWalCheckpointer } from "./sqlite-wal-checkpointer";

export type Dialect = "sqlite" | "postgres";
export type Schema = typeof pgSchema;
/**
 * The one database type the stores are written against. drizzle has no dialect-neutral schema, so
 * the SQLite handle is presented through the PostgreSQL types: every builder method the stores use
 * (select/insert/update/delete, returning, onConflict*, transaction) exists with the same runtime
 * shape on the libsql driver, and the two schema trees map values to the same JS types. The store
 * contract suite runs on both dialects to keep that promise honest.
 */
export type AppDb = NodePgDatabase<Schema>;

export interface Database {
  readonly dialect: Dialect;
  readonly db: AppDb;
  readonly schema: Schema;
  /** True for a Database bound to an open transaction (see `transaction`). */
  readonly inTransaction: boolean;
  /**
   * Runs `work` in one transaction and hands it a Database bound to that transaction (commit when it
   * resolves, roll back when it throws). Inside, a nested call joins the open transaction. Every write
   * inside must go through the handle it receives: the outer handle would wait on its own locks.
   */
  transaction<T>(work: (tx: Database) => Promise<T>): Promise<T>;
  /**
   * Runs `work` in one write transaction on the driver itself, without the query builder: for the
   * few hot multi-row writes of the journal (see db/stores/journal-writer.ts). SQL uses `?`
   * placeholders and the dialect's own value encodings. Inside a bound Database it joins that
   * transaction.
   */
  rawTransaction<T>(work: (run: RawRun) => Promise<T>): Promise<T>;
  /** One statement as `rawTransaction` runs them: on its own (autocommit), or in the bound transaction. */
  rawQuery: RawRun;
  /** Cheap round trip used by readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Runs one statement with `?` placeholders in the open raw transaction; resolves to its rows. */
export type RawRun = (text: string, params: readonly unknown[]) => Promise<Record<string, unknown>[]>;

/** `?` placeholders as drizzle SQL (for a raw statement inside a drizzle transaction). */
function rawAsSql(text: string, params: readonly unknown[]): SQL {
  const parts = text.split("?");
  const chunks: SQL[] = [sql.raw(parts[0] ?? "")];
  for (let i = 1; i < parts.length; i++) chunks.push(sql`${params[i - 1]}`, sql.raw(parts[i] ?? ""));
  return sql.join(chunks);
}

/**
 * A raw statement for node-postgres: `?` placeholders numbered `$1, $2, …`, and a name for the first
 * MAX_NAMED_STATEMENTS texts, so each connection parses and plans them once (PREPARE) instead of on
 * every run. The raw texts are the task engine's hot statements; the end-to-end profile showed the
 * PostgreSQL server, not this process, as the busiest part of a PostgreSQL run. Texts past the bound
 * (the journal's batches vary with their size) run unnamed: a named statement lives as long as its
 * connection on the server.
 */
const pgStatements = new Map<string, { text: string; name?: string }>();
const MAX_NAMED_STATEMENTS = 200;
function pgQuery(
  text: string,
  params: readonly unknown[],
): { text: string; name?: string; values: unknown[] } {
  let statement = pgStatements.get(text);
  if (statement === undefined) {
    let n = 0;
    const numbered = text.replace(/\?/g, () => `$${++n}`);
    const name = pgStatements.size < MAX_NAMED_STATEMENTS ? `cloudops_raw_${pgStatements.size}` : undefined;
    statement = { text: numbered, name };
    if (pgStatements.size < 1000) pgStatements.set(text, statement);
  }
  // Three fields, not `{ ...statement, values }`: that literal got a new hidden class on every call
  // (platform/merged.ts), about 6 a task end to end on PostgreSQL.
  return { text: statement.text, name: statement.name, values: params as unknown[] };
}

const migrationsRoot = resolve(dirname(fileURLToPath(import.meta.url)), "migrations");

/** A Database view whose queries run inside the open transaction `tx`. */
function boundTo(base: Database, tx: AppDb): Database {
  const bound: Database = {
    ...base,
    db: tx,
    inTransaction: true,
    transaction: (work) => work(bound),
    rawTransaction: (work) => work(bound.rawQuery),
    rawQuery:
      driverRunIn(base.dialect, tx) ??
      (async (text, params) => {
        const query = rawAsSql(text, params);
        if (base.dialect === "postgres") return (await tx.execute(query)).rows;
        return (tx as unknown as { all(q: SQL): Promise<Record<string, unknown>[]> }).all(query);
      }),
  };
  return bound;
}

/**
 * A raw statement straight on the driver object that holds drizzle transaction `tx` (libsql's
 * Transaction, or node-postgres' PoolClient), so raw SQL in a transaction costs what it costs outside
 * one instead of a round through drizzle's SQL builder. Those objects are drizzle internals
 * (`session.tx`, `session.client`): when a drizzle version moves them, this returns null and raw
 * statements take the builder path again (slower, same results; the store contract suite runs both
 * dialects through here).
 */
function driverRunIn(dialect: Dialect, tx: AppDb): RawRun | null {
  const session = (tx as unknown as { session?: { tx?: unknown; client?: unknown } }).session;
  if (dialect === "sqlite") {
    const libsqlTx = session?.tx as
      | { execute?: (stmt: { sql: string; args: InArgs }) => Promise<{ rows: Record<string, unknown>[] }> }
      | undefined;
    if (typeof libsqlTx?.execute !== "function") return null;
    const execute = libsqlTx.execute.bind(libsqlTx);
    return async (text, params) => (await execute({ sql: text, args: params as InArgs })).rows;
  }
  const client = session?.client as { query?: unknown; release?: unknown } | undefined;
  // Inside a transaction the session's client is the pool client that ran BEGIN (it can release).
  if (typeof client?.query !== "function" || typeof client.release !== "function") return null;
  const pgClient = client as unknown as pg.PoolClient;
  return async (text, params) => (await pgClient.query(pgQuery(text, params))).rows;
}

export function dialectOf(url: string): Dialect {
  return /^postgres(ql)?:\/\//.test(url) ? "postgres" : "sqlite";
}

/** Opens the database named by `url` (postgres:// or file:) and applies pending migrations. */
export interface OpenOptions {
  migrate?: boolean;
  /** SQLite: hears a failed background WAL checkpoint (db/sqlite-wal-checkpointer.ts). */
  onCheckpointError?: (message: string) => void;
}

export async function openDatabase(url: string, options: OpenOptions = {}): Promise<Database> {
  const runMigrations = options.migrate ?? true;
  return dialectOf(url) === "postgres"
    ? openPostgres(url, runMigrations)
    : openSqlite(url, runMigrations, options.onCheckpointError);
}

// pg and drizzle's node-postgres driver load only when the database is PostgreSQL: a SQLite process
// (the zero-setup start) does not carry them in memory.
const loadPg = async () => ({
  pg: (await import("pg")).default,
  drizzlePg: (await import("drizzle-orm/node-postgres")).drizzle,
  migratePg: (await import("drizzle-orm/node-postgres/migrator")).migrate,
});

async function openPostgres(url: string, runMigrations: boolean): Promise<Database> {
  const { pg, drizzlePg } = await loadPg();
  // A server that accepts nothing must not hold a request for long: connecting gives up after 5 s
  // (the API then answers 503 dependency_unavailable).
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on("error", () => {});
  const db = drizzlePg(pool, { schema: pgSchema });
  if (runMigrations) await migrateUnderLock(pool);
  const database: Database = {
    dialect: "postgres",
    db,
    schema: pgSchema,
    inTransaction: false,
    transaction: (work) => db.transaction((tx) => work(boundTo(database, tx as unknown as AppDb))),
    rawTransaction: async (work) => {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query("begin");
        const result = await work(async (text, params) => (await client.query(pgQuery(text, params))).rows);
        await client.query("commit");
        return result;
      } catch (error) {
        await client.query("rollback").catch((inner: Error) => {
          broken = inner;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
    rawQuery: async (text, params) => (await pool.query(pgQuery(text, params))).rows,
    ping: async () => {
      await pool.query("select 1");
    },
    close: () => pool.end(),
  };
  return database;
}

/** Any fixed number will do: it names "CloudOps migrations" among the advisory locks of one database. */
const MIGRATION_LOCK_KEY = 7_401_523_118;

/**
 * Applies pending migrations holding a session advisory lock, so processes starting at once on an
 * empty database migrate one after the other (the later ones find nothing to do) instead of racing
 * on CREATE TYPE/TABLE. The lock goes with the session if the process dies.
 */
async function migrateUnderLock(pool: pg.Pool): Promise<void> {
  const { drizzlePg, migratePg } = await loadPg();
  const client = await pool.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      await migratePg(drizzlePg(client), { migrationsFolder: resolve(migrationsRoot, "pg") });
    } finally {
      await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

async function openSqlite(
  url: string,
  runMigrations: boolean,
  onCheckpointError?: (message: string) => void,
): Promise<Database> {
  const path = url.replace(/^file:/, "");
  if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
  cacheLibsqlStatements();
  // One connection (see serializeClient): the PRAGMAs below hold for every statement.
  const client = serializeClient(
    createClient({ url: url.startsWith("file:") ? url : `file:${url}`, concurrency: 1 }),
  );
  // WAL lets the dashboard read while the worker writes; busy_timeout rides out short write locks.
  await client.execute("PRAGMA journal_mode = WAL");
  await client.execute("PRAGMA busy_timeout = 5000");
  await client.execute("PRAGMA foreign_keys = ON");
  await client.execute("PRAGMA synchronous = NORMAL");
  // WAL checkpoints on a thread of their own, not inside this connection's commits.
  const checkpoints =
    path === ":memory:"
      ? null
      : lazyWalCheckpointer(path, {
          onStart: () => client.execute(`PRAGMA wal_autocheckpoint = ${BACKSTOP_PAGES}`),
          onError: onCheckpointError,
        });
  const sqliteDb = drizzleSqlite(client, { schema: sqliteSchema });
  if (runMigrations) await migrateSqlite(sqliteDb, { migrationsFolder: resolve(migrationsRoot, "sqlite") });
  const appDb = sqliteDb as unknown as AppDb;
  const database: Database = {
    dialect: "sqlite",
    db: appDb,
    schema: sqliteSchema as unknown as Schema,
    inTransaction: false,
    // libsql opens a write transaction (BEGIN IMMEDIATE) on a connection of its own; other writers wait
    // on busy_timeout, so writes of one transaction commit together and in order.
    transaction: (work) => {
      checkpoints?.noteTransaction();
      return group.run((tx) => work(boundTo(database, tx)));
    },
    rawTransaction: async (work) => {
      const tx = await client.transaction("write");
      try {
        const result = await work(
          async (text, params) => (await tx.execute({ sql: text, args: params as InArgs })).rows,
        );
        await tx.commit();
        return result;
      } catch (error) {
        await tx.rollback().catch(() => undefined);
        throw error;
      } finally {
        tx.close();
      }
    },
    rawQuery: async (text, params) => (await client.execute({ sql: text, args: params as InArgs })).rows,
    ping: async () => {
      await sqliteDb.run(sql`select 1`);
    },
    close: async () => {
      await checkpoints?.stop();
      client.close();
    },
  };
  const group = groupCommit<AppDb>(
    (body) => appDb.transaction((tx) => body(tx as unknown as AppDb)),
    savepointIn,
  );
  return database;
}

/**
 * Runs one member of a group commit (db/sqlite-serial.ts) in a savepoint of its own, on the group's
 * transaction handle. drizzle's nested transaction builds a new transaction object (a query builder
 * per table) and sends each SAVEPOINT through its SQL pipeline; issued on the driver, the two
 * statements cost what they cost SQLite (2.6 and 3.8 µs). A member that throws is rolled back to its
 * savepoint; when even that fails, the whole group must not commit (SavepointRollbackFailed).
 */
async function savepointIn<T>(tx: AppDb, work: (member: AppDb) => Promise<T>): Promise<T> {
  const run = driverRunIn("sqlite", tx);
  if (!run) return tx.transaction((sp) => work(sp as unknown as AppDb));
  await run("savepoint group_member", []);
  let value: T;
  try {
    value = await work(tx);
  } catch (error) {
    try {
      await run("rollback to savepoint group_member", []);
      await run("release savepoint group_member", []);
    } catch (rollbackError) {
      throw new SavepointRollbackFailed(rollbackError);
    }
    throw error;
  }
  await run("release savepoint group_member", []);
  return value;
}
