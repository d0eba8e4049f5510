import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Database, openDatabase } from "./client";
import { libsqlDatabaseClass } from "./libsql-statement-cache";

// The group commit of db/sqlite-serial.ts on a real SQLite file: transactions that arrive while one
// runs share the next BEGIN/COMMIT, each in a savepoint that db/client.ts issues on the driver.

const opened: { database: Database; folder: string }[] = [];
afterEach(async () => {
  for (const { database, folder } of opened.splice(0)) {
    await database.close();
    rmSync(folder, { recursive: true, force: true });
  }
  vi.restoreAllMocks();
});

async function sqliteDatabase(): Promise<Database> {
  const folder = mkdtempSync(join(tmpdir(), "group-commit-"));
  const database = await openDatabase(`file:${join(folder, "db.sqlite")}`, { migrate: false });
  opened.push({ database, folder });
  await database.rawQuery("create table items (name text not null)", []);
  return database;
}

const names = async (database: Database) =>
  (await database.rawQuery("select name from items order by rowid", [])).map((row) => row.name);

/**
 * Runs `first` alone, and `members` as one group: they are all called while `first` holds the
 * connection, so they share the next transaction.
 */
async function groupBehind(database: Database, members: ((tx: Database) => Promise<unknown>)[]) {
  let letFirstFinish: () => void = () => {};
  const firstHolds = new Promise<void>((resolve) => {
    letFirstFinish = resolve;
  });
  const first = database.transaction(async (tx) => {
    await tx.rawQuery("insert into items (name) values (?)", ["first"]);
    await firstHolds;
  });
  const outcomes = Promise.allSettled(members.map((member) => database.transaction(member)));
  letFirstFinish();
  await first;
  return outcomes;
}

describe("SQLite group commit", () => {
  it("rolls back a failing member to its savepoint and commits the rest of its group", async () => {
    const database = await sqliteDatabase();
    const prepare = vi.spyOn(libsqlDatabaseClass().prototype as { prepare(sql: string): unknown }, "prepare");
    const outcomes = await groupBehind(database, [
      (tx) => tx.rawQuery("insert into items (name) values (?)", ["kept"]),
      async (tx) => {
        await tx.rawQuery("insert into items (name) values (?)", ["lost"]);
        throw new Error("refused");
      },
      // A nested transaction inside a member joins it.
      (tx) =>
        tx.transaction(async (inner) => {
          await inner.rawQuery("insert into items (name) values (?)", ["nested"]);
        }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(outcomes[1]).toMatchObject({ reason: { message: "refused" } });
    expect(await names(database)).toEqual(["first", "kept", "nested"]);
    // The savepoints went straight to the driver, not through drizzle's nested transaction (sp0).
    const texts = prepare.mock.calls.map(([text]) => text);
    expect(texts).toContain("savepoint group_member");
    expect(texts).toContain("rollback to savepoint group_member");
    expect(texts.filter((text) => /savepoint sp\d/.test(text))).toEqual([]);
  });

  it("rolls back the whole group when a failed member's savepoint cannot be rolled back", async () => {
    const database = await sqliteDatabase();
    const outcomes = await groupBehind(database, [
      (tx) => tx.rawQuery("insert into items (name) values (?)", ["same group"]),
      async (tx) => {
        await tx.rawQuery("insert into items (name) values (?)", ["half done"]);
        // Its savepoint is gone, so the rollback to it fails and "half done" cannot be undone alone.
        await tx.rawQuery("release savepoint group_member", []);
        throw new Error("refused");
      },
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
    expect(outcomes[0]).toMatchObject({ reason: { name: "SavepointRollbackFailed" } });
    expect(await names(database)).toEqual(["first"]);
    // The connection is usable afterwards.
    await database.transaction((tx) => tx.rawQuery("insert into items (name) values (?)", ["after"]));
    expect(await names(database)).toEqual(["first", "after"]);
  });
});
