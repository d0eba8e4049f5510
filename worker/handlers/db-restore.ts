import { type DbEngine, TASK_TYPES } from "../../domain/model/task-types";
import { sha256Of } from "../adapters/artifact-storage";
import { PermanentError } from "../runner/errors";
import { type HandlerDeps, simulate, str } from "./deps";
import type { TaskHandler } from "./handler";

/** Restore from a backup artifact: validate it (exists, same engine, checksum), import, verify. */
export const dbRestoreHandler: TaskHandler<HandlerDeps> = {
  type: "db.restore",
  retry: TASK_TYPES["db.restore"].retry,
  steps: [
    {
      name: "validate artifact",
      async run(ctx) {
        const engine = str(ctx.payload, "engine");
        const artifact = await ctx.deps.stores.artifacts.get(str(ctx.payload, "artifactId"));
        if (artifact?.kind !== "backup" || !artifact) {
          throw new PermanentError(
            "artifact_not_found",
            "The backup artifact does not exist",
            "List backups of the instance and pick one",
          );
        }
        if (artifact.engine !== engine) {
          throw new PermanentError(
            "artifact_engine_mismatch",
            `The artifact is a ${artifact.engine} backup, not ${engine}`,
          );
        }
        if (!(await ctx.deps.storage.exists(artifact.path))) {
          throw new PermanentError("artifact_missing", "The backup file is missing from storage");
        }
        const content = await ctx.deps.storage.read(artifact.path);
        if (sha256Of(content) !== artifact.sha256) {
          throw new PermanentError(
            "artifact_checksum_mismatch",
            "The backup file does not match its recorded sha256",
          );
        }
        ctx.state.artifactPath = artifact.path;
        await ctx.log(`Artifact ${artifact.id} verified (${artifact.size} bytes, sha256 ok)`);
        await simulate(ctx, 1, "Validated");
      },
    },
    {
      name: "import",
      async run(ctx) {
        const content = await ctx.deps.storage.read(String(ctx.state.artifactPath));
        const target = str(ctx.payload, "target") || str(ctx.payload, "instanceId");
        await ctx.log(`Importing into ${target}`);
        await simulate(ctx, 4, "Importing");
        const result = await ctx.deps.databases.restore(
          str(ctx.payload, "engine") as DbEngine,
          target,
          content,
          ctx.signal,
        );
        ctx.state.tables = result.tables;
      },
    },
    {
      name: "verify",
      async run(ctx) {
        await simulate(ctx, 2, "Checking row counts");
        await ctx.log(`Restore verified: ${String(ctx.state.tables)} table(s) present`);
      },
    },
  ],
};
