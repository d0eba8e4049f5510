import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@libsql/client";
import { sql } from "drizzle-orm";
import { drizzle as drizzleSqlite } from "drizzle-orm/libsql";
import { migrate as migrateSqlite } from "drizzle-orm/libsql/migrator";
import { drizzle as drizzlePg, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import * as pgSchema from "./schema/pg/index";
import * as sqliteSchema from "./schema/sqlite/index";

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
  /** Cheap round trip used by readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const migrationsRoot = resolve(dirname(fileURLToPath(import.meta.url)), "migrations");

export function dialectOf(url: string): Dialect {
  return /^postgres(ql)?:\/\//.test(url) ? "postgres" : "sqlite";
}

/** Opens the database named by `url` (postgres:// or file:) and applies pending migrations. */
export async function openDatabase(url: string, options: { migrate?: boolean } = {}): Promise<Database> {
  const runMigrations = options.migrate ?? true;
  return dialectOf(url) === "postgres" ? openPostgres(url, runMigrations) : openSqlite(url, runMigrations);
}

async function openPostgres(url: string, runMigrations: boolean): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on("error", () => {});
  const db = drizzlePg(pool, { schema: pgSchema });
  if (runMigrations) await migratePg(db, { migrationsFolder: resolve(migrationsRoot, "pg") });
  return {
    dialect: "postgres",
    db,
    schema: pgSchema,
    ping: async () => {
      await pool.query("select 1");
    },
    close: () => pool.end(),
  };
}

async function openSqlite(url: string, runMigrations: boolean): Promise<Database> {
  const path = url.replace(/^file:/, "");
  if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
  const client = createClient({ url: url.startsWith("file:") ? url : `file:${url}` });
  // WAL lets the dashboard read while the worker writes; busy_timeout rides out short write locks.
  await client.execute("PRAGMA journal_mode = WAL");
  await client.execute("PRAGMA busy_timeout = 5000");
  await client.execute("PRAGMA foreign_keys = ON");
  await client.execute("PRAGMA synchronous = NORMAL");
  const sqliteDb = drizzleSqlite(client, { schema: sqliteSchema });
  if (runMigrations) await migrateSqlite(sqliteDb, { migrationsFolder: resolve(migrationsRoot, "sqlite") });
  return {
    dialect: "sqlite",
    db: sqliteDb as unknown as AppDb,
    schema: sqliteSchema as unknown as Schema,
    ping: async () => {
      await sqliteDb.run(sql`select 1`);
    },
    close: async () => client.close(),
  };
}
