import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, createClient } from "@libsql/client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { serializeClient, TransactionWaitTimeout } from "./sqlite-serial";

// serializeClient on a real SQLite file with one connection, as openSqlite uses it.
describe("the serialized SQLite client", () => {
  let dir: string;
  let raw: Client;
  let client: Client;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "cloudops-serial-"));
    raw = createClient({ url: `file:${join(dir, "db.sqlite")}`, concurrency: 1 });
    client = serializeClient(raw, { waitLimitMs: 200 });
    await client.execute("PRAGMA journal_mode = WAL");
    await client.execute("create table t (n integer)");
  });

  afterEach(() => {
    raw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = async (on: Client = client) =>
    Number((await on.execute("select count(*) as n from t")).rows[0]?.n);

  it("makes a call that arrives during a transaction wait for its commit", async () => {
    const tx = await client.transaction("write");
    await tx.execute("insert into t values (1)");
    const read = count();
    await tx.execute("insert into t values (2)");
    await tx.commit();
    tx.close();
    expect(await read).toBe(2);
  });

  it("fails a call on the outer client from inside a transaction instead of waiting forever", async () => {
    const tx = await client.transaction("write");
    await tx.execute("insert into t values (1)");
    const started = performance.now();
    const error = await count().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionWaitTimeout);
    expect(String(error)).toMatch(/use the transaction's handle/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    await tx.rollback();
    tx.close();
    // The connection is free again and calls run in order after the one that gave up.
    await client.execute("insert into t values (3)");
    expect(await count()).toBe(1);
  });

  it("gives no call a time limit when no transaction is ahead of it", async () => {
    // A slow statement alone (a recursive count to 5 million) outlasts the limit; the call behind it waits.
    const started = performance.now();
    const slow = client.execute(
      "with recursive c(x) as (select 1 union all select x + 1 from c where x < 5000000) select count(*) as n from c",
    );
    const behind = count();
    expect(Number((await slow).rows[0]?.n)).toBe(5_000_000);
    expect(await behind).toBe(0);
    expect(performance.now() - started).toBeGreaterThan(200);
  });
});
