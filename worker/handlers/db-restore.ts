import { type DbEngine, TASK_TYPES } from "../../domain/model/task-types";
import { digestOf } from "../../platform/artifacts/artifact-store";
import { PermanentError } from "../runner/errors";
import { targetOf, withOperationLimits } from "./db-operation";
import { type HandlerDeps, simulate, str } from "./deps";
import type { TaskHandler } from "./handler";

const MAX_TABLES_LOGGED = 50;

/** Restore from a backup artifact: verify it (exists, same engine, sha256), stream it in, count what landed. */
export const dbRestoreHandler: TaskHandler<HandlerDeps> = {
  type: "db.restore",
  retry: TASK_TYPES["db.restore"].retry,
  steps: [
    {
      name: "validate artifact",
      async run(ctx) {
        const engine = str(ctx.payload, "engine") as DbEngine;
        const target = targetOf(ctx, engine, str(ctx.payload, "target") || str(ctx.payload, "instanceId"));
        ctx.state.simulated = target.simulated;
        const artifact = await ctx.deps.stores.artifacts.get(str(ctx.payload, "artifactId"));
        if (artifact?.kind !== "backup") {
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
        if (!(await ctx.deps.storage.stat(artifact.path))) {
          throw new PermanentError("artifact_missing", "The backup file is missing from storage");
        }
        // Read it through once before touching the database: a damaged dump must never half-restore.
        const actual = await digestOf(await ctx.deps.storage.get(artifact.path, { signal: ctx.signal }));
        if (actual.sha256 !== artifact.sha256 || actual.size !== artifact.size) {
          throw new PermanentError(
            "artifact_corrupt",
            `Backup ${artifact.id} does not match its recorded sha256 (${actual.size} bytes stored, ${artifact.size} recorded)`,
            "Restore from another backup of the instance; this one is damaged",
          );
        }
        ctx.state.artifactPath = artifact.path;
        ctx.state.artifactTool = typeof artifact.meta?.tool === "string" ? artifact.meta.tool : null;
        await target.log(`Artifact ${artifact.id} verified (${artifact.size} bytes, sha256 ok)`);
        if (target.simulated) await simulate(ctx, 1, "Simulated validation");
      },
    },
    {
      name: "import",
      async run(ctx) {
        const engine = str(ctx.payload, "engine") as DbEngine;
        const target = targetOf(ctx, engine, str(ctx.payload, "target") || str(ctx.payload, "instanceId"));
        const key = String(ctx.state.artifactPath);
        await target.log(`Importing into ${target.instance.id}`);
        const started = Date.now();
        await withOperationLimits(ctx, target, (op) =>
          target.adapter.restore(
            target.instance,
            () => ctx.deps.storage.get(key, { signal: op.signal }),
            op,
            {
              id: str(ctx.payload, "artifactId"),
              tool: typeof ctx.state.artifactTool === "string" ? ctx.state.artifactTool : null,
            },
          ),
        );
        if (target.simulated) await simulate(ctx, 4, "Simulated import");
        ctx.state.importMs = Date.now() - started;
      },
    },
    {
      name: "verify",
      async run(ctx) {
        const engine = str(ctx.payload, "engine") as DbEngine;
        const target = targetOf(ctx, engine, str(ctx.payload, "target") || str(ctx.payload, "instanceId"));
        const { counts } = await withOperationLimits(ctx, target, (op) =>
          target.adapter.verify(target.instance, op),
        );
        if (target.simulated) await simulate(ctx, 2, "Simulated row count check");
        if (!counts) {
          await target.log(
            `Restore finished: ${engine} reported success (row counts are not checked for this engine)`,
          );
          return;
        }
        const rows = counts.reduce((sum, c) => sum + c.rows, 0);
        ctx.state.tables = counts.length;
        ctx.state.rows = rows;
        ctx.state.tableCounts = counts.slice(0, MAX_TABLES_LOGGED);
        for (const c of counts.slice(0, MAX_TABLES_LOGGED))
          await target.log(`  ${c.table}: ${c.rows} row(s)`);
        await target.log(`Restored ${counts.length} table(s), ${rows} row(s) into ${target.instance.id}`);
      },
    },
  ],
};
