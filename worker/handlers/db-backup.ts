import { type DbEngine, TASK_TYPES } from "../../domain/model/task-types";
import { artifactIdFor, type HandlerDeps, simulate, str } from "./deps";
import type { TaskHandler } from "./handler";

/** Backup of an Azure PostgreSQL or Azure SQL instance into DATA_DIR/backups with size and sha256. */
export const dbBackupHandler: TaskHandler<HandlerDeps> = {
  type: "db.backup",
  retry: TASK_TYPES["db.backup"].retry,
  steps: [
    {
      name: "prepare",
      async run(ctx) {
        await ctx.log(
          `Connecting to ${str(ctx.payload, "engine")} instance ${str(ctx.payload, "instanceId")}`,
        );
        await simulate(ctx, 2, "Taking a consistent snapshot");
      },
    },
    {
      name: "stream to storage",
      async run(ctx) {
        const engine = str(ctx.payload, "engine") as DbEngine;
        const instanceId = str(ctx.payload, "instanceId");
        const dump = await ctx.deps.databases.dump(engine, instanceId, ctx.signal);
        await simulate(ctx, 3, "Streaming backup");
        const ext = engine === "azure-postgres" ? "dump" : "bacpac";
        const file = await ctx.deps.storage.write(
          `backups/${engine}/${instanceId}/${ctx.task.id}.${ext}`,
          dump,
        );
        const artifact = await ctx.deps.stores.artifacts.create({
          id: artifactIdFor(ctx.task.id),
          kind: "backup",
          path: file.path,
          size: file.size,
          sha256: file.sha256,
          taskId: ctx.task.id,
          engine,
          instanceId,
        });
        ctx.state.artifactId = artifact.id;
        ctx.state.size = file.size;
        ctx.state.sha256 = file.sha256;
        await ctx.log(
          `Backup stored as ${artifact.id}: ${file.size} bytes, sha256 ${file.sha256.slice(0, 12)}`,
        );
      },
    },
  ],
};
