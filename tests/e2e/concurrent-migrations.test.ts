import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { adminQuery } from "../support/databases";
import { postgresUrl, uniqueSuffix } from "../support/services";

const ROOT = resolve(import.meta.dirname, "../..");
const OPEN_AND_CLOSE = `
const { openDatabase } = await import("./db/client.ts");
const database = await openDatabase(process.env.TARGET_URL);
const rows = await database.db.execute("select count(*)::int as n from tasks");
await database.close();
process.stdout.write("opened " + JSON.stringify(rows.rows[0]) + "\\n");
`;

/** One process that opens (and so migrates) the database; resolves with its exit code and output. */
function openInChild(url: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", OPEN_AND_CLOSE], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", TARGET_URL: url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.once("exit", (code) => done({ code, output }));
  });
}

describe.skipIf(!postgresUrl)("processes starting at once on an empty PostgreSQL database", () => {
  const name = `cloudops_migrate_${uniqueSuffix()}`.toLowerCase();
  afterAll(async () => adminQuery(`drop database if exists "${name}" with (force)`));

  it("all start: migrations run one after the other under an advisory lock", async () => {
    await adminQuery(`create database "${name}"`);
    const url = new URL(postgresUrl ?? "");
    url.pathname = `/${name}`;
    const results = await Promise.all([1, 2, 3].map(() => openInChild(url.toString())));
    for (const r of results) expect(r, r.output).toMatchObject({ code: 0 });
    for (const r of results) expect(r.output).toContain('opened {"n":0}');
  }, 120_000);
});
