import { execFile } from "node:child_process";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import type pg from "pg";
import type { StoredArtifact } from "../../../platform/artifacts/artifact-store";
import type { DbInstance } from "../../../platform/db-instances";
import { PermanentError } from "../../runner/errors";
import { runTool } from "./child-tool";
import type { EngineAdapter, OperationContext, TableCount } from "./engine-adapter";
import {
  connectionOf,
  defaultTokenProvider,
  type PostgresConnection,
  type TokenProvider,
} from "./postgres-connection";
import { clientError, missingTool, toolError } from "./postgres-errors";

const run = promisify(execFile);

export interface PostgresAdapterOptions {
  pgDumpPath?: string;
  pgRestorePath?: string;
  tokens?: TokenProvider;
}

interface ServerInfo {
  version: string;
  major: number;
  tables: number;
}

/** Azure Database for PostgreSQL: pg_dump --format=custom and pg_restore, streamed through the store. */
export function createPostgresAdapter(options: PostgresAdapterOptions = {}): EngineAdapter {
  const pgDump = options.pgDumpPath ?? "pg_dump";
  const pgRestore = options.pgRestorePath ?? "pg_restore";
  const tokens = options.tokens ?? defaultTokenProvider();

  async function withClient<T>(
    instance: DbInstance,
    conn: PostgresConnection,
    use: (client: pg.Client) => Promise<T>,
  ): Promise<T> {
    // Loaded on first use: a worker without PostgreSQL instances never needs the driver.
    const { default: pgDriver } = await import("pg");
    const client = new pgDriver.Client({ ...conn.client, application_name: "cloudops" });
    // Without a listener a dropped connection would crash the worker.
    client.on("error", () => undefined);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw clientError(instance.id, error);
    }
    try {
      return await use(client);
    } catch (error) {
      throw clientError(instance.id, error);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  const serverInfo = (instance: DbInstance, conn: PostgresConnection) =>
    withClient(instance, conn, async (client): Promise<ServerInfo> => {
      const { rows } = await client.query<{ version: string; num: number; tables: number }>(
        `select current_setting('server_version') as version,
                current_setting('server_version_num')::int as num,
                (select count(*) from pg_tables
                  where schemaname not in ('pg_catalog', 'information_schema'))::int as tables`,
      );
      const row = rows[0];
      if (!row) throw new Error("no answer to the version query");
      return {
        version: row.version.split(" ")[0] ?? row.version,
        major: Math.floor(row.num / 10_000),
        tables: row.tables,
      };
    });

  async function toolVersion(tool: "pg_dump" | "pg_restore", path: string) {
    try {
      const { stdout } = await run(path, ["--version"]);
      const version = /(\d+)(?:\.(\d+))?/.exec(stdout);
      return { text: `${tool} ${version?.[0] ?? "?"}`, major: Number(version?.[1] ?? 0) };
    } catch (error) {
      throw missingTool(tool, error as NodeJS.ErrnoException);
    }
  }

  async function compare(tool: { text: string; major: number }, server: ServerInfo, ctx: OperationContext) {
    if (tool.major < server.major) {
      throw new PermanentError(
        "pg_dump_version_mismatch",
        `${tool.text} is older than the server (PostgreSQL ${server.version}); it cannot dump a newer server`,
        `Install postgresql-client-${server.major} (or newer) on the worker`,
      );
    }
    if (tool.major > server.major) {
      await ctx.log(
        `${tool.text} is newer than the server (PostgreSQL ${server.version}): supported; restore this backup with pg_restore ${tool.major} or newer`,
      );
    }
  }

  return {
    async backup(instance, sink, ctx) {
      const conn = await connectionOf(instance, tokens);
      const server = await serverInfo(instance, conn);
      const tool = await toolVersion("pg_dump", pgDump);
      await compare(tool, server, ctx);
      await ctx.log(`PostgreSQL ${server.version}, ${server.tables} table(s); running ${tool.text}`);
      const child = runTool({
        command: pgDump,
        args: ["--format=custom", "--no-password"],
        env: { ...conn.env, PGAPPNAME: "pg_dump" },
        signal: ctx.signal,
      });
      await ctx.log(`pg_dump started (pid ${child.child.pid ?? "?"})`);
      let stored: StoredArtifact | null = null;
      let sinkError: unknown = null;
      const sinking = sink(child.stdout).then(
        (s) => {
          stored = s;
        },
        (error) => {
          sinkError = error;
          child.child.kill("SIGTERM"); // nobody reads its output any more
        },
      );
      const exit = await child.exited;
      await sinking;
      ctx.signal.throwIfAborted();
      if (exit.spawnError || exit.code !== 0) throw toolError("pg_dump", instance.id, exit, conn.secrets);
      if (sinkError || !stored) throw sinkError ?? new Error("the dump was not stored");
      return { stored, serverVersion: server.version, tableCount: server.tables, tool: tool.text };
    },

    async restore(instance, open, ctx, backup) {
      const conn = await connectionOf(instance, tokens);
      const server = await serverInfo(instance, conn);
      const tool = await toolVersion("pg_restore", pgRestore);
      if (tool.major !== server.major) {
        await ctx.log(`${tool.text} against PostgreSQL ${server.version} (different major versions)`, "warn");
      }
      const child = runTool({
        command: pgRestore,
        args: [
          "--clean",
          "--if-exists",
          "--no-owner",
          "--single-transaction",
          "--no-password",
          `--dbname=${conn.database}`,
        ],
        env: { ...conn.env, PGAPPNAME: "pg_restore" },
        signal: ctx.signal,
        stdin: true,
      });
      await ctx.log(`pg_restore started (pid ${child.child.pid ?? "?"}) into PostgreSQL ${server.version}`);
      const stdin = child.stdin;
      let feedError: unknown = null;
      const feeding = (async () => {
        if (!stdin) return;
        try {
          await pipeline(await open(), stdin, { signal: ctx.signal });
        } catch (error) {
          feedError = error;
          stdin.destroy();
        }
      })();
      const exit = await child.exited;
      await feeding;
      ctx.signal.throwIfAborted();
      if (exit.spawnError || exit.code !== 0)
        throw toolError("pg_restore", instance.id, exit, conn.secrets, { tool: tool.text, backup });
      if (feedError) throw feedError;
    },

    async verify(instance) {
      const conn = await connectionOf(instance, tokens);
      return withClient(instance, conn, async (client) => {
        const { rows } = await client.query<{ schema: string; name: string }>(
          `select n.nspname as schema, c.relname as name from pg_class c
             join pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema')
              and n.nspname not like 'pg_toast%'
            order by 1, 2`,
        );
        const counts: TableCount[] = [];
        for (const { schema, name } of rows) {
          const table = `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`;
          const result = await client.query<{ n: string }>(`select count(*) as n from ${table}`);
          counts.push({ table: `${schema}.${name}`, rows: Number(result.rows[0]?.n ?? 0) });
        }
        return { counts };
      });
    },
  };
}
