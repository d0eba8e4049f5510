import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./process";

/**
 * A PostgreSQL cluster of its own (initdb + pg_ctl on a free loopback port) that checks passwords
 * (scram-sha-256), unlike the shared server's trust auth: what a "wrong password" test needs.
 */
export interface PrivatePostgres {
  /** postgres://postgres:<password>@127.0.0.1:<port>/postgres */
  url: string;
  password: string;
  port: number;
  /** The server's log so far (authentication failures are logged there). */
  log(): string;
  stop(): Promise<void>;
}

/** initdb on PATH; with CI=true its absence is an error, otherwise the suites that need it skip. */
export const initdbAvailable = (() => {
  const found = spawnSync("initdb", ["--version"], { stdio: "ignore" }).status === 0;
  if (!found && process.env.CI === "true") throw new Error("initdb must be on PATH when CI=true");
  return found;
})();

/**
 * initdb and postgres refuse to run as root: run them as the `postgres` user then (a uid and gid for
 * execFileSync, so no `runuser` is needed on PATH: a root shell's minimal PATH may lack /usr/sbin).
 */
export function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  return { uid, gid };
}

export interface PrivatePostgresOptions {
  /**
   * Extra server settings (`name=value`, each passed as `-c`), e.g. a preloaded extension. The
   * cluster runs with fsync=off unless this sets fsync itself (a bench that measures commits does).
   */
  settings?: string[];
}

export async function startPrivatePostgres(
  clusterOptions: PrivatePostgresOptions = {},
): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), "cloudops-pg-"));
  const data = join(dir, "data");
  const password = `pw-${Math.random().toString(36).slice(2, 10)}`;
  const pwfile = join(dir, "pwfile");
  writeFileSync(pwfile, `${password}\n`);
  const user = runAs();
  if (user) chownSync(dir, user.uid, user.gid);
  if (user) chownSync(pwfile, user.uid, user.gid);
  const options = { ...(user ?? {}), stdio: "pipe" as const, env: { ...process.env, LC_ALL: "C" } };
  let port: number;
  try {
    execFileSync(
      "initdb",
      ["-D", data, "-U", "postgres", "--pwfile", pwfile, "-A", "scram-sha-256", "--no-sync"],
      options,
    );
    // Another process may take the free port before the server binds it: try a fresh one then.
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        execFileSync(
          "pg_ctl",
          [
            "-D",
            data,
            "-w",
            "-t",
            "60",
            "-l",
            join(dir, "log"),
            "-o",
            serverOptions(port, dir, clusterOptions.settings ?? []),
            "start",
          ],
          options,
        );
        break;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
  } catch (error) {
    // A cluster that did not start leaves nothing behind; the tool's stderr says why.
    rmSync(dir, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? "";
    throw new Error(`could not start a private PostgreSQL: ${stderr || String(error)}`);
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    password,
    port,
    log: () => readFileSync(join(dir, "log"), "utf8"),
    async stop() {
      try {
        execFileSync("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"], options);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The `pg_ctl -o` string: port, loopback only, socket directory, fsync off unless `settings` set it. */
function serverOptions(port: number, socketDir: string, settings: string[]): string {
  const all = settings.some((setting) => setting.startsWith("fsync="))
    ? settings
    : ["fsync=off", ...settings];
  return [`-p ${port} -c listen_addresses=127.0.0.1 -k ${socketDir}`, ...all.map((s) => `-c ${s}`)].join(" ");
}
