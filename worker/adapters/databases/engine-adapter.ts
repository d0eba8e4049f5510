import type { Readable } from "node:stream";
import type { StoredArtifact } from "../../../platform/artifacts/artifact-store";
import type { DbInstance } from "../../../platform/db-instances";

/** What an adapter may do while it works: stop on abort, and tell the task log (never a secret). */
export interface OperationContext {
  signal: AbortSignal;
  log(message: string, level?: "info" | "warn"): Promise<void>;
}

/** Streams a dump into the artifact store; the handler picks the key and removes it on failure. */
export type BackupSink = (source: Readable) => Promise<StoredArtifact>;

export interface BackupOutcome {
  stored: StoredArtifact;
  serverVersion: string | null;
  tableCount: number | null;
  /** The tool that wrote the dump, e.g. "pg_dump 15.20". */
  tool: string;
}

/** What the restore knows of the backup it reads. */
export interface BackupInfo {
  id: string;
  /** The tool recorded on the artifact, e.g. "pg_dump 15.20"; null when unknown. */
  tool: string | null;
}

export interface TableCount {
  table: string;
  rows: number;
}

export interface VerifyOutcome {
  /** Null when the engine cannot count (azure-sql: SqlPackage's success is the check). */
  counts: TableCount[] | null;
}

/** Dump and restore of one database engine, streamed through the artifact store. */
export interface EngineAdapter {
  backup(instance: DbInstance, sink: BackupSink, ctx: OperationContext): Promise<BackupOutcome>;
  /** `backup` says which backup is restored (its id and the tool that wrote it), for error messages. */
  restore(
    instance: DbInstance,
    open: () => Promise<Readable>,
    ctx: OperationContext,
    backup?: BackupInfo,
  ): Promise<void>;
  verify(instance: DbInstance, ctx: OperationContext): Promise<VerifyOutcome>;
}
