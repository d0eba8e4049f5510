import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { runAs } from "./private-postgres";
import { freePort } from "./process";

/**
 * A PostgreSQL cluster of the test's own (initdb + pg_ctl in a temporary folder, a free port, trust
 * auth), for tests that must stop the database without touching the shared server. PostgreSQL
 * refuses to run as root: as root the commands run as the `postgres` system user.
 */
export interface PrivatePostgres {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "cloudops-pg-"));
  const data = join(dir, "data");
  const user = runAs();
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chmodSync(dir, 0o700);
  }
  const run = (command: string, args: string[]) =>
    execFileSync(command, args, { ...(user ?? {}), stdio: "pipe", env: { ...process.env, LC_ALL: "C" } });
  run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;

  async function start(): Promise<void> {
    run("pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "log"), "-w", "-t", "60", "start"]);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.end();
  }
  async function stop(): Promise<void> {
    run("pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "60", "stop"]);
  }

  await start();
  return {
    url,
    start,
    stop,
    async destroy() {
      try {
        await stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
