import { PermanentError, TransientError } from "../../runner/errors";
import { lastLine, type ToolExit } from "./child-tool";
import type { BackupInfo } from "./engine-adapter";

const CHECK_URL = "Check the instance's url in DB_INSTANCES";

/** A pg client error (connect or query) as a task error with a hint; the message never holds the URL. */
export function clientError(instanceId: string, error: unknown): Error {
  const e = error as { code?: string; message?: string } | null;
  const code = e?.code ?? "";
  if (code === "28P01" || code === "28000" || /password/i.test(e?.message ?? "")) {
    return new PermanentError(
      "db_auth_failed",
      `Sign-in to instance ${instanceId} was refused`,
      `${CHECK_URL}: user and password (or the Entra identity's access to the server)`,
    );
  }
  if (["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ETIMEDOUT", "ENETUNREACH", "EAI_AGAIN"].includes(code)) {
    return new PermanentError(
      "db_unreachable",
      `Instance ${instanceId} cannot be reached (${code})`,
      `${CHECK_URL}: host and port, and the server's firewall rules for this worker`,
    );
  }
  if (/timeout/i.test(e?.message ?? "")) {
    return new PermanentError(
      "db_unreachable",
      `Instance ${instanceId} did not answer in time`,
      `${CHECK_URL}: host and port, and the server's firewall rules for this worker`,
    );
  }
  if (code === "3D000") {
    return new PermanentError(
      "db_not_found",
      `The database of instance ${instanceId} does not exist`,
      CHECK_URL,
    );
  }
  return new TransientError("db_error", `Instance ${instanceId}: ${e?.message ?? String(error)}`);
}

/** A failed pg_dump/pg_restore run as a task error, from its exit and stderr. */
export function toolError(
  tool: "pg_dump" | "pg_restore",
  instanceId: string,
  exit: ToolExit,
  secrets: string[],
  about: { tool?: string; backup?: BackupInfo } = {},
): Error {
  if (exit.spawnError) return missingTool(tool, exit.spawnError);
  const line = lastLine(exit.stderr, secrets);
  const text = exit.stderr;
  if (/password authentication failed|no password supplied|authentication failed/i.test(text)) {
    return new PermanentError(
      "db_auth_failed",
      `${tool}: sign-in to instance ${instanceId} was refused`,
      CHECK_URL,
    );
  }
  if (
    /could not connect|connection refused|could not translate host name|timeout expired|network is unreachable/i.test(
      text,
    )
  ) {
    return new PermanentError(
      "db_unreachable",
      `${tool}: instance ${instanceId} cannot be reached`,
      `${CHECK_URL}: host and port, and the server's firewall rules for this worker`,
    );
  }
  if (/server version mismatch/i.test(text)) {
    return new PermanentError(
      "pg_dump_version_mismatch",
      `${tool} is older than the server: ${line}`,
      "Install a pg_dump of the server's major version or newer (postgresql-client-NN) on the worker",
    );
  }
  const header = /unsupported version \(([\d.]+)\) in file header/i.exec(text);
  if (header) return restoreTooOld(header[1] ?? "?", about);
  // A signal we did not send (cancel and timeouts abort first): another process or the OOM killer.
  const how = exit.signal
    ? `was killed by ${exit.signal} from outside the worker (out of memory, or an operator)`
    : `exited with code ${exit.code}`;
  return new TransientError(`${tool}_failed`, `${tool} ${how}${line ? `: ${line}` : ""}`);
}

/** pg_restore met an archive format newer than it reads: name both tools and what to install. */
function restoreTooOld(format: string, about: { tool?: string; backup?: BackupInfo }): PermanentError {
  const restorer = about.tool ?? "pg_restore";
  const writer = about.backup?.tool ?? "a newer pg_dump";
  const which = about.backup ? `backup ${about.backup.id}` : "this backup";
  const major = /pg_dump (\d+)/.exec(about.backup?.tool ?? "")?.[1];
  return new PermanentError(
    "pg_restore_too_old",
    `${restorer} is too old for ${which}: it was written by ${writer} (archive format ${format}, which ${restorer} cannot read)`,
    major
      ? `Install pg_restore ${major} or newer (postgresql-client-${major}) on the worker`
      : "Install a pg_restore at least as new as the pg_dump recorded on the artifact",
  );
}

export function missingTool(tool: string, error: NodeJS.ErrnoException): PermanentError {
  return new PermanentError(
    `${tool}_not_found`,
    `${tool} could not be started (${error.code ?? error.message})`,
    `Install PostgreSQL's client tools on the worker (Debian: apt-get install postgresql-client) so ${tool} is on PATH`,
  );
}
