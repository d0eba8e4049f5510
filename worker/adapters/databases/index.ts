import type { DbEngine } from "../../../domain/model/task-types";
import type { EngineAdapter } from "./engine-adapter";
import { createPostgresAdapter, type PostgresAdapterOptions } from "./postgres-adapter";
import { createSimulatedAdapter } from "./simulated-adapter";
import { createSqlPackageAdapter } from "./sqlpackage-adapter";

/** One adapter per engine, the simulator for demo mode, and the limit on one operation's duration. */
export interface DatabaseAdapters {
  engines: Record<DbEngine, EngineAdapter>;
  simulated: EngineAdapter;
  /** DB_OPERATION_TIMEOUT_MINUTES: a dump or restore running longer is stopped and fails. */
  operationTimeoutMs: number;
}

export function createDatabaseAdapters(
  options: { operationTimeoutMs?: number; sqlPackagePath?: string; postgres?: PostgresAdapterOptions } = {},
): DatabaseAdapters {
  return {
    engines: {
      "azure-postgres": createPostgresAdapter(options.postgres),
      "azure-sql": createSqlPackageAdapter({ sqlPackagePath: options.sqlPackagePath }),
    },
    simulated: createSimulatedAdapter(),
    operationTimeoutMs: options.operationTimeoutMs ?? 60 * 60_000,
  };
}
