#!/usr/bin/env node
// Stand-in for SqlPackage (SQL Server cannot run on these machines). It checks the arguments the way
// SqlPackage parses them (/Action:Export|Import with the connection string and file parameters), writes
// a .bacpac-shaped file (a zip header plus the database name) on Export, checks the file on Import, and
// appends each call to FAKE_SQLPACKAGE_LOG so a test can see what it was asked to do.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";

const params = {};
for (const arg of process.argv.slice(2)) {
  const m = /^\/(\w+):(.*)$/s.exec(arg);
  if (!m) {
    process.stderr.write(`*** '${arg}' is not a valid argument\n`);
    process.exit(1);
  }
  params[m[1]] = m[2];
}
const fail = (message) => {
  process.stderr.write(`*** ${message}\n`);
  process.exit(1);
};
const database = (cs) => /(?:^|;)\s*(?:database|initial catalog)\s*=\s*([^;]+)/i.exec(cs ?? "")?.[1];
if (process.env.FAKE_SQLPACKAGE_LOG)
  appendFileSync(process.env.FAKE_SQLPACKAGE_LOG, `${JSON.stringify(params)}\n`);

if (params.Action === "Export") {
  if (!params.SourceConnectionString) fail("Missing required argument SourceConnectionString");
  if (!params.TargetFile?.endsWith(".bacpac")) fail("TargetFile must be a .bacpac file");
  const db = database(params.SourceConnectionString);
  if (!db) fail("The connection string names no database");
  if (/password\s*=\s*wrong/i.test(params.SourceConnectionString)) fail(`Login failed for user 'app'.`);
  // A zip local-file header, as a real .bacpac starts, then enough content to stream in chunks.
  const body = Buffer.concat([
    Buffer.from("PK\x03\x04"),
    Buffer.from(`model.xml for ${db}\n`),
    Buffer.alloc(256 * 1024, 7),
  ]);
  writeFileSync(params.TargetFile, body);
  process.stdout.write(
    `Exporting database '${db}'\nSuccessfully exported database and saved it to file '${params.TargetFile}'.\n`,
  );
} else if (params.Action === "Import") {
  if (!params.TargetConnectionString) fail("Missing required argument TargetConnectionString");
  if (!params.SourceFile || !existsSync(params.SourceFile)) fail("SourceFile does not exist");
  if (readFileSync(params.SourceFile).subarray(0, 4).toString("latin1") !== "PK\x03\x04") {
    fail("File contains corrupted data.");
  }
  process.stdout.write(
    `Importing to database '${database(params.TargetConnectionString)}'\nSuccessfully imported package.\n`,
  );
} else {
  fail(`Action '${params.Action}' is not supported by this stand-in`);
}
