import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AT_MOST_ONE_ROW, cacheLibsqlStatements, libsqlDatabaseClass } from "./libsql-statement-cache";

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function client(intMode: "number" | "string" = "number") {
  const folder = mkdtempSync(join(tmpdir(), "libsql-cache-"));
  folders.push(folder);
  return createClient({ url: `file:${join(folder, "db.sqlite")}`, concurrency: 1, intMode });
}

/** The native Database class the client drives, to count real prepares under the cache. */
const nativePrototype = () => libsqlDatabaseClass().prototype;

/** The native Statement class's prototype, to spy on the calls the cache lets through. */
function nativeStatementPrototype() {
  const Database = nativePrototype().constructor as new (path: string) => { prepare(sql: string): object };
  return Object.getPrototypeOf(new Database(":memory:").prepare("select 1")) as {
    raw(on?: boolean): unknown;
    safeIntegers(on?: boolean): unknown;
    get(...params: unknown[]): unknown;
    iterate(...params: unknown[]): unknown;
  };
}

describe("libsql statement cache", () => {
  it("prepares a repeated statement once and still answers each run with its own rows", async () => {
    cacheLibsqlStatements();
    cacheLibsqlStatements(); // idempotent: a second call must not wrap the wrapper
    const db = client();
    await db.execute("create table items (id integer primary key, name text)");
    const insert = "insert into items (name) values (?)";
    for (const name of ["a", "b", "c"]) {
      // A statement that returns no rows: the client learns that from a throwing raw(), every run.
      const result = await db.execute({ sql: insert, args: [name] });
      expect(result.rowsAffected).toBe(1);
    }
    const select = "select id, name from items where id >= ? order by id";
    const all = await db.execute({ sql: select, args: [1] });
    const some = await db.execute({ sql: select, args: [2] });
    expect(all.rows.map((r) => r.name)).toEqual(["a", "b", "c"]);
    expect(some.rows.map((r) => r.name)).toEqual(["b", "c"]);
    expect(some.columns).toEqual(["id", "name"]);
    db.close();
  });

  it("reuses the native statement instead of preparing again", async () => {
    cacheLibsqlStatements();
    const db = client();
    await db.execute("create table counted (n integer)");
    const proto = nativePrototype() as { prepare(sql: string): unknown };
    const spy = vi.spyOn(proto, "prepare");
    await db.execute("select count(*) as n from counted");
    await db.execute("select count(*) as n from counted");
    const statements = spy.mock.results.map((r) => r.value);
    spy.mockRestore();
    expect(statements).toHaveLength(2);
    expect(statements[0]).toBe(statements[1]);
    db.close();
  });

  it("forgets cached statements when the schema changes, so a SELECT sees new columns", async () => {
    cacheLibsqlStatements();
    const db = client();
    await db.execute("create table evolving (a integer)");
    await db.execute("insert into evolving (a) values (1)");
    expect((await db.execute("select * from evolving")).columns).toEqual(["a"]);
    await db.execute("alter table evolving add column b text default 'x'");
    const after = await db.execute("select * from evolving");
    expect(after.columns).toEqual(["a", "b"]);
    expect(after.rows[0]?.b).toBe("x");
    db.close();
  });

  it("keeps errors as they were: a bad statement fails each time with the driver's error", async () => {
    cacheLibsqlStatements();
    const db = client();
    await expect(db.execute("select * from missing_table")).rejects.toThrow(/no such table/);
    await expect(db.execute("select * from missing_table")).rejects.toThrow(/no such table/);
    db.close();
  });

  it("sets a reused statement's modes in native code only when they change, and honours a change", async () => {
    cacheLibsqlStatements();
    // Integers as strings: a run without 64-bit integers would read 2^53 + 1 as 2^53.
    const db = client("string");
    await db.execute("create table modes (n integer, label text)");
    await db.execute("insert into modes values (9007199254740993, 'big')");
    const Database = nativePrototype() as { prepare(sql: string): object };
    const statementProto = nativeStatementPrototype();
    const raw = vi.spyOn(statementProto, "raw");
    const safeIntegers = vi.spyOn(statementProto, "safeIntegers");
    const prepare = vi.spyOn(Database, "prepare");
    const select = "select n, label from modes";
    for (let run = 0; run < 3; run++) {
      const result = await db.execute(select);
      expect(result.rows[0]?.label).toBe("big");
      expect(result.rows[0]?.n).toBe("9007199254740993");
    }
    const statement = prepare.mock.results.find((_, i) => prepare.mock.calls[i]?.[0] === select)?.value;
    const on = (spy: typeof raw) => spy.mock.contexts.filter((context) => context === statement).length;
    expect(on(raw)).toBe(1);
    expect(on(safeIntegers)).toBe(1);
    // Someone else switches the same statement to object rows and plain numbers: the next run of the
    // client sets its modes again and still gets its rows.
    (statement as { raw(on: boolean): unknown }).raw(false);
    (statement as { safeIntegers(on: boolean): unknown }).safeIntegers(false);
    const after = await db.execute(select);
    expect(after.rows[0]?.label).toBe("big");
    expect(after.rows[0]?.n).toBe("9007199254740993");
    expect(on(raw)).toBe(3);
    expect(on(safeIntegers)).toBe(3);
    raw.mockRestore();
    safeIntegers.mockRestore();
    prepare.mockRestore();
    db.close();
  });

  it("reads a statement marked as returning at most one row in one step, with the same answers", async () => {
    cacheLibsqlStatements();
    const db = client();
    await db.execute("create table marked (id integer primary key autoincrement, name text, n integer)");
    const statementProto = nativeStatementPrototype();
    const get = vi.spyOn(statementProto, "get");
    const iterate = vi.spyOn(statementProto, "iterate");
    const insert = `${AT_MOST_ONE_ROW}insert into marked (name, n) values (?, ?) returning id, name, n`;
    const inserted = await db.execute({ sql: insert, args: ["first", 1] });
    expect(inserted.columns).toEqual(["id", "name", "n"]);
    expect(inserted.rows.map((r) => [r.id, r.name, r.n])).toEqual([[1, "first", 1]]);
    await db.execute({ sql: insert, args: ["second", 2] });
    const update = `${AT_MOST_ONE_ROW}update marked set n = n + 10 where name = ? returning id, n`;
    expect((await db.execute({ sql: update, args: ["second"] })).rows.map((r) => [r.id, r.n])).toEqual([
      [2, 12],
    ]);
    expect((await db.execute({ sql: update, args: ["nobody"] })).rows).toEqual([]);
    const iterated = iterate.mock.calls.length;
    expect(get.mock.calls.length).toBe(4);
    // The writes happened in full; an unmarked read still takes every row.
    const all = await db.execute("select name, n from marked order by id");
    expect(all.rows.map((r) => [r.name, r.n])).toEqual([
      ["first", 1],
      ["second", 12],
    ]);
    expect(iterate.mock.calls.length).toBe(iterated + 1);
    get.mockRestore();
    iterate.mockRestore();
    db.close();
  });
});
