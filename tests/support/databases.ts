import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type Database, type Dialect, openDatabase } from "../../db/client";
import { postgresUrl, uniqueSuffix } from "./services";

export interface TestDatabase {
  database: Database;
  url: string;
  /** Closes the handle and removes the database (SQLite file or PostgreSQL database). */
  destroy(): Promise<void>;
}

/** The dialects a store suite runs against: SQLite always, PostgreSQL when DATABASE_URL names one. */
export function dialectsUnderTest(): Dialect[] {
  return postgresUrl ? ["sqlite", "postgres"] : ["sqlite"];
}

/** A fresh, migrated database of `dialect` that belongs to one suite. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "cloudops-test-"));
    const url = `file:${join(dir, "platform.db")}`;
    const database = await openDatabase(url);
    return {
      database,
      url,
      destroy: async () => {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (!postgresUrl) throw new Error("DATABASE_URL does not name a PostgreSQL server");
  const name = `cloudops_test_${uniqueSuffix()}`.toLowerCase();
  await adminQuery(`create database "${name}"`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase(url.toString());
  return {
    database,
    url: url.toString(),
    destroy: async () => {
      await database.close();
      await adminQuery(`drop database if exists "${name}" with (force)`);
    },
  };
}

/** Runs one statement on the PostgreSQL server of DATABASE_URL (create or drop a database). */
export async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
