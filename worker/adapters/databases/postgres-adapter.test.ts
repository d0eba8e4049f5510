import { resolve } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestOf } from "../../../platform/artifacts/artifact-store";
import type { DbInstance } from "../../../platform/db-instances";
import { postgresUrl } from "../../../tests/support/services";
import { createSourceDatabase, type SourceDatabase } from "../../../tests/support/source-database";
import type { BackupSink, OperationContext } from "./engine-adapter";
import { createPostgresAdapter } from "./postgres-adapter";
import { connectionOf } from "./postgres-connection";

const VERSION_DOUBLE = resolve(import.meta.dirname, "../../../tests/doubles/pg-dump-version.sh");

function context() {
  const lines: string[] = [];
  const ctx: OperationContext = {
    signal: new AbortController().signal,
    log: async (message) => {
      lines.push(message);
    },
  };
  return { ctx, lines };
}

const sink: BackupSink = async (source) => ({ key: "k", ...(await digestOf(source)) });

describe("PostgreSQL connection settings", () => {
  it("passes the password in PGPASSWORD, never in the arguments, and asks Entra only for Azure hosts without one", async () => {
    const tokens = async () => "entra-token";
    const local = await connectionOf(
      {
        id: "a",
        engine: "azure-postgres",
        url: "postgres://app:p%40ss@db.internal:6432/orders?sslmode=require",
      },
      tokens,
    );
    expect(local.env).toMatchObject({
      PGHOST: "db.internal",
      PGPORT: "6432",
      PGUSER: "app",
      PGPASSWORD: "p@ss",
      PGDATABASE: "orders",
      PGSSLMODE: "require",
    });
    const azure = await connectionOf(
      {
        id: "b",
        engine: "azure-postgres",
        url: "postgres://ops%40contoso.com@orders.postgres.database.azure.com/orders",
      },
      tokens,
    );
    expect(azure.env).toMatchObject({
      PGUSER: "ops@contoso.com",
      PGPASSWORD: "entra-token",
      PGSSLMODE: "require",
    });
    expect(azure.secrets).toContain("entra-token");
    const trust = await connectionOf(
      { id: "c", engine: "azure-postgres", url: "postgres://postgres@127.0.0.1/x" },
      tokens,
    );
    expect(trust.env.PGPASSWORD).toBeUndefined();
  });

  it("asks Microsoft Entra for a token only for *.postgres.database.azure.com hosts without a password", async () => {
    let asked = 0;
    const tokens = async () => {
      asked++;
      return "entra-token";
    };
    const conn = (url: string) => connectionOf({ id: "x", engine: "azure-postgres", url }, tokens);
    // Other hosts without a password: libpq's own ways (PGPASSFILE, trust), never a token.
    for (const url of [
      "postgres://app@db.internal/orders",
      "postgres://app@orders.postgres.database.azure.com.evil.example/orders",
      "postgres://app@postgres.database.azure.com.internal/orders",
      "postgres://app@orders.mysql.database.azure.com/orders",
    ]) {
      expect((await conn(url)).env.PGPASSWORD, url).toBeUndefined();
    }
    // An Azure host with a password in the URL uses that password.
    expect((await conn("postgres://app:pw1@orders.postgres.database.azure.com/orders")).env.PGPASSWORD).toBe(
      "pw1",
    );
    expect(asked).toBe(0);
    const entra = await conn("postgres://ops%40contoso.com@Orders.Postgres.Database.Azure.com/orders");
    expect(entra.env.PGPASSWORD).toBe("entra-token");
    expect(entra.client.password).toBe("entra-token");
    expect(asked).toBe(1);
  });
});

describe.skipIf(!postgresUrl)("pg_dump failures a person can act on", () => {
  let db: SourceDatabase;
  let instance: DbInstance;
  beforeAll(async () => {
    db = await createSourceDatabase("cloudops_pgerr");
    await db.query("create table t (id int primary key); insert into t values (1), (2)");
    instance = { id: "err-db", engine: "azure-postgres", url: db.url };
  });
  afterAll(async () => db?.drop());

  it("reports a missing pg_dump binary as permanent, with a hint to install it", async () => {
    const adapter = createPostgresAdapter({ pgDumpPath: "/nonexistent/pg_dump" });
    await expect(adapter.backup(instance, sink, context().ctx)).rejects.toMatchObject({
      code: "pg_dump_not_found",
      permanent: true,
      hint: expect.stringContaining("postgresql-client"),
    });
  });

  it("reports a missing pg_restore binary as permanent before reading the backup", async () => {
    let opened = false;
    const adapter = createPostgresAdapter({ pgRestorePath: "/nonexistent/pg_restore" });
    const open = async () => {
      opened = true;
      return Readable.from([Buffer.from("PGDMP")]);
    };
    await expect(adapter.restore(instance, open, context().ctx)).rejects.toMatchObject({
      code: "pg_restore_not_found",
      permanent: true,
      hint: expect.stringContaining("postgresql-client"),
    });
    expect(opened).toBe(false);
  });

  it("reports an unreachable server and a refused sign-in as permanent, without the URL", async () => {
    const closed = new URL(db.url);
    closed.port = "1";
    const unreachable = createPostgresAdapter().backup(
      { ...instance, url: closed.toString() },
      sink,
      context().ctx,
    );
    await expect(unreachable).rejects.toMatchObject({ code: "db_unreachable", permanent: true });
    const nobody = new URL(db.url);
    nobody.username = "no_such_role_here";
    const refused = createPostgresAdapter().backup(
      { ...instance, url: nobody.toString() },
      sink,
      context().ctx,
    );
    await expect(refused).rejects.toMatchObject({ code: "db_auth_failed", permanent: true });
    await refused.catch((error: Error) => expect(error.message).not.toContain(db.password));
  });

  it("refuses a pg_dump older than the server, naming both versions", async () => {
    process.env.FAKE_PG_VERSION = "9.6";
    try {
      const adapter = createPostgresAdapter({ pgDumpPath: VERSION_DOUBLE });
      await expect(adapter.backup(instance, sink, context().ctx)).rejects.toMatchObject({
        code: "pg_dump_version_mismatch",
        message: expect.stringMatching(/pg_dump 9\.6 is older than the server \(PostgreSQL \d+/),
      });
    } finally {
      delete process.env.FAKE_PG_VERSION;
    }
  });

  it("dumps with a pg_dump newer than the server and says so in the task log", async () => {
    process.env.FAKE_PG_VERSION = "99.1";
    try {
      const { ctx, lines } = context();
      const outcome = await createPostgresAdapter({ pgDumpPath: VERSION_DOUBLE }).backup(instance, sink, ctx);
      expect(outcome.stored.size).toBeGreaterThan(0);
      expect(lines.join("\n")).toMatch(
        /pg_dump 99\.1 is newer than the server \(PostgreSQL \d+.*\): supported/,
      );
    } finally {
      delete process.env.FAKE_PG_VERSION;
    }
  });
});
