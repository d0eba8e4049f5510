import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "./client";
import { BACKSTOP_PAGES, START_AFTER_TRANSACTIONS } from "./sqlite-wal-checkpointer";

// The WAL checkpoints of a SQLite database happen on the checkpointer's thread, not in the commits
// of the process's connection. Seen from outside through the WAL file's header: SQLite writes new
// salts there each time a writer starts the log again from its beginning, which it does only after
// a checkpoint copied the whole log back into the database file.

const opened: { database: Database; folder: string }[] = [];
afterEach(async () => {
  for (const { database, folder } of opened.splice(0)) {
    await database.close();
    rmSync(folder, { recursive: true, force: true });
  }
});

async function sqliteFile(): Promise<{ database: Database; wal: string }> {
  const folder = mkdtempSync(join(tmpdir(), "wal-checkpointer-"));
  const file = join(folder, "db.sqlite");
  const database = await openDatabase(`file:${file}`, { migrate: false });
  opened.push({ database, folder });
  await database.rawQuery("create table items (body text not null)", []);
  return { database, wal: `${file}-wal` };
}

/** Salt-1 and salt-2 of the WAL header (bytes 16-23): new ones each time the log restarts. */
const saltsOf = (wal: string) => readFileSync(wal).subarray(16, 24).toString("hex");

const insert = (database: Database) =>
  database.transaction((tx) => tx.rawQuery("insert into items (body) values (?)", ["x"]));

const autocheckpoint = async (database: Database) =>
  Object.values((await database.rawQuery("PRAGMA wal_autocheckpoint", []))[0] ?? {})[0];

/** Runs the transactions after which the thread starts, and waits for the connection's backstop. */
async function startThread(database: Database): Promise<void> {
  for (let i = 0; i < START_AFTER_TRANSACTIONS; i++) await insert(database);
  await expect.poll(() => autocheckpoint(database)).toBe(BACKSTOP_PAGES);
}

describe("the SQLite WAL checkpointer", () => {
  it("starts with the writes: SQLite's own threshold until then, the backstop after", async () => {
    const { database } = await sqliteFile();
    for (let i = 1; i < START_AFTER_TRANSACTIONS; i++) await insert(database);
    expect(await autocheckpoint(database)).toBe(1000);
    await insert(database);
    await expect.poll(() => autocheckpoint(database)).toBe(BACKSTOP_PAGES);
  });

  it("checkpoints on its own thread: the log restarts long before the connection would checkpoint", async () => {
    const { database, wal } = await sqliteFile();
    await startThread(database);
    await insert(database);
    const first = saltsOf(wal);
    // One small commit (one or two pages) at a time, until a commit finds the log copied back and
    // starts it again. The connection itself checkpoints only past BACKSTOP_PAGES pages now (and by
    // default past 1,000): a few hundred commits never get there.
    let commits = 1;
    while (saltsOf(wal) === first) {
      expect(commits, "the log never restarted: no checkpoint happened").toBeLessThan(400);
      await new Promise((resolve) => setTimeout(resolve, 25));
      await insert(database);
      commits++;
    }
    const [count] = await database.rawQuery("select count(*) as n from items", []);
    expect(Number(count?.n)).toBe(START_AFTER_TRANSACTIONS + commits);
  });
});
