import { type DbEngine, TASK_TYPES } from "../../domain/model/task-types";
import { targetOf, withOperationLimits } from "./db-operation";
import { artifactIdFor, type HandlerDeps, simulate, str } from "./deps";
import type { TaskHandler } from "./handler";

const EXTENSION: Record<DbEngine, string> = { "azure-postgres": "dump", "azure-sql": "bacpac" };

/**
 * Backup of an Azure PostgreSQL (pg_dump --format=custom) or Azure SQL (SqlPackage .bacpac) instance,
 * streamed into the artifact store with its size and sha256; simulated in demo mode without DB_INSTANCES.
 */
export const dbBackupHandler: TaskHandler<HandlerDeps> = {
  type: "db.backup",
  retry: TASK_TYPES["db.backup"].retry,
  steps: [
    {
      name: "prepare",
      async run(ctx) {
        const engine = str(ctx.payload, "engine") as DbEngine;
        const target = targetOf(ctx, engine, str(ctx.payload, "instanceId"));
        ctx.state.simulated = target.simulated;
        await target.log(`Backing up ${engine} instance ${target.instance.id}`);
        if (target.simulated) await simulate(ctx, 2, "Simulated snapshot");
      },
    },
    {
      name: "stream to storage",
      async run(ctx) {
        const engine = str(ctx.payload, "engine") as DbEngine;
        const target = targetOf(ctx, engine, str(ctx.payload, "instanceId"));
        const { storage, stores } = ctx.deps;
        // One key per task: a redelivered step overwrites its own earlier attempt.
        const key = `backups/${engine}/${target.instance.id}/${ctx.task.id}.${EXTENSION[engine]}`;
        const started = Date.now();
        let outcome: Awaited<ReturnType<typeof target.adapter.backup>>;
        try {
          outcome = await withOperationLimits(ctx, target, (op) =>
            target.adapter.backup(
              target.instance,
              (source) => storage.put(key, source, { signal: op.signal }),
              op,
            ),
          );
          if (target.simulated) await simulate(ctx, 3, "Simulated streaming");
        } catch (error) {
          // A cancelled, timed-out or failed dump leaves no artifact behind.
          await storage.delete(key).catch(() => undefined);
          throw error;
        }
        const durationMs = Date.now() - started;
        const { stored } = outcome;
        const artifact = await stores.artifacts.create({
          id: artifactIdFor(ctx.task.id),
          kind: "backup",
          path: stored.key,
          size: stored.size,
          sha256: stored.sha256,
          taskId: ctx.task.id,
          engine,
          instanceId: target.instance.id,
          meta: {
            serverVersion: outcome.serverVersion,
            tableCount: outcome.tableCount,
            durationMs,
            tool: outcome.tool,
            store: storage.kind,
            simulated: target.simulated,
          },
        });
        Object.assign(ctx.state, {
          artifactId: artifact.id,
          size: stored.size,
          sha256: stored.sha256,
          serverVersion: outcome.serverVersion,
          tableCount: outcome.tableCount,
          durationMs,
        });
        await target.log(
          `Backup stored as ${artifact.id}: ${stored.size} bytes in ${(durationMs / 1000).toFixed(1)} s, sha256 ${stored.sha256.slice(0, 12)}` +
            (outcome.tableCount === null ? "" : `, ${outcome.tableCount} table(s)`),
        );
      },
    },
  ],
};
