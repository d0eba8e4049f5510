import type { DbEngine } from "../../domain/model/task-types";

/** Dump and restore of managed databases: pg_dump/pg_restore for Azure PostgreSQL, SqlPackage for Azure SQL. */
export interface DatabaseAdapter {
  readonly kind: "demo" | "real";
  dump(engine: DbEngine, instanceId: string, signal: AbortSignal): Promise<Buffer>;
  restore(
    engine: DbEngine,
    target: string,
    content: Buffer,
    signal: AbortSignal,
  ): Promise<{ tables: number }>;
}

/** Produces a small, deterministic-looking dump so checksums and restores can be exercised end to end. */
export function createDemoDatabaseAdapter(): DatabaseAdapter {
  return {
    kind: "demo",
    async dump(engine, instanceId) {
      const header =
        engine === "azure-postgres" ? "-- PostgreSQL database dump (demo)" : "-- BACPAC export (demo)";
      const body = Array.from(
        { length: 50 },
        (_, i) => `INSERT INTO demo_rows VALUES (${i}, '${instanceId}-${i}');`,
      );
      return Buffer.from(
        [header, `-- instance: ${instanceId}`, `-- taken: ${new Date().toISOString()}`, ...body].join("\n"),
      );
    },
    async restore(_engine, _target, content) {
      return { tables: content.toString("utf8").includes("demo_rows") ? 1 : 0 };
    },
  };
}
