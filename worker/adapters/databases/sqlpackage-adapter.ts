import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { DbInstance } from "../../../platform/db-instances";
import { PermanentError, TransientError } from "../../runner/errors";
import { lastLine, runTool, type ToolExit } from "./child-tool";
import type { EngineAdapter } from "./engine-adapter";

/**
 * Azure SQL through SqlPackage: /Action:Export writes a .bacpac file, which is then streamed into the
 * store; /Action:Import reads a file streamed out of the store. SqlPackage works on files, not pipes,
 * so the .bacpac passes through a private temp directory that is always removed.
 */
export function createSqlPackageAdapter(options: { sqlPackagePath?: string } = {}): EngineAdapter {
  const command = options.sqlPackagePath ?? "SqlPackage";

  async function sqlPackage(args: string[], instance: DbInstance, signal: AbortSignal): Promise<ToolExit> {
    const child = runTool({ command, args, signal });
    child.stdout.resume(); // progress chatter; errors arrive on stderr and in the exit code
    const exit = await child.exited;
    signal.throwIfAborted();
    if (exit.spawnError) {
      throw new PermanentError(
        "sqlpackage_not_found",
        `SqlPackage could not be started (${exit.spawnError.code ?? exit.spawnError.message})`,
        "Install SqlPackage (dotnet tool install -g microsoft.sqlpackage) and set SQLPACKAGE_PATH or put it on PATH",
      );
    }
    if (exit.code !== 0) {
      const line = lastLine(exit.stderr, [instance.url, passwordOf(instance.url)]);
      if (/login failed|password/i.test(exit.stderr)) {
        return Promise.reject(
          new PermanentError(
            "db_auth_failed",
            `SqlPackage: sign-in to instance ${instance.id} was refused`,
            "Check the instance's connection string in DB_INSTANCES",
          ),
        );
      }
      throw new TransientError(
        "sqlpackage_failed",
        `SqlPackage exited with code ${exit.code}${line ? `: ${line}` : ""}`,
      );
    }
    return exit;
  }

  const withTempDir = async <T>(use: (dir: string) => Promise<T>): Promise<T> => {
    const dir = await mkdtemp(join(tmpdir(), "cloudops-bacpac-"));
    try {
      return await use(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  return {
    async backup(instance, sink, ctx) {
      return withTempDir(async (dir) => {
        const file = join(dir, `${instance.id}.bacpac`);
        await ctx.log("SqlPackage /Action:Export started");
        await sqlPackage(
          [
            "/Action:Export",
            `/SourceConnectionString:${adoConnectionString(instance.url)}`,
            `/TargetFile:${file}`,
          ],
          instance,
          ctx.signal,
        );
        const stored = await sink(createReadStream(file));
        return { stored, serverVersion: null, tableCount: null, tool: "SqlPackage" };
      });
    },
    async restore(instance, open, ctx) {
      await withTempDir(async (dir) => {
        const file = join(dir, "restore.bacpac");
        await pipeline(await open(), createWriteStream(file), { signal: ctx.signal });
        await ctx.log("SqlPackage /Action:Import started");
        await sqlPackage(
          [
            "/Action:Import",
            `/TargetConnectionString:${adoConnectionString(instance.url)}`,
            `/SourceFile:${file}`,
          ],
          instance,
          ctx.signal,
        );
      });
    },
    async verify() {
      return { counts: null };
    },
  };
}

function passwordOf(url: string): string | undefined {
  if (/^(sqlserver|mssql):\/\//.test(url)) return decodeURIComponent(new URL(url).password) || undefined;
  return /(?:^|;)\s*password\s*=\s*([^;]*)/i.exec(url)?.[1];
}

/**
 * An ADO.NET connection string for SqlPackage. `sqlserver://user:pass@host:port/db` is converted; a
 * string without a password signs in with Entra ("Active Directory Default", i.e. DefaultAzureCredential).
 */
export function adoConnectionString(url: string): string {
  let ado = url;
  if (/^(sqlserver|mssql):\/\//.test(url)) {
    const u = new URL(url);
    const parts = [
      `Server=tcp:${u.hostname},${u.port || "1433"}`,
      `Database=${decodeURIComponent(u.pathname.replace(/^\//, ""))}`,
      u.username ? `User ID=${adoValue(decodeURIComponent(u.username))}` : "",
      u.password ? `Password=${adoValue(decodeURIComponent(u.password))}` : "",
      "Encrypt=True",
    ];
    ado = parts.filter(Boolean).join(";");
  }
  if (!/(^|;)\s*(password|authentication)\s*=/i.test(ado))
    ado = `${ado.replace(/;?\s*$/, "")};Authentication=Active Directory Default`;
  return ado;
}

/** ADO.NET quoting: a value with `;`, `=` or quotes goes in double quotes, inner quotes doubled. */
function adoValue(value: string): string {
  return /[;="']/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
