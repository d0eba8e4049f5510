import { createHash } from "node:crypto";
import { environmentRequiresApproval } from "../../domain/db-instance-catalog";
import { type DbEngine, TASK_TYPES } from "../../domain/model/task-types";
import { digestOf } from "../../platform/artifacts/artifact-store";
import { PermanentError } from "../runner/errors";
import { targetOf, withOperationLimits } from "./db-operation";
import { type HandlerDeps, simulate, str } from "./deps";
import type { TaskHandler } from "./handler";

const MAX_TABLES_LOGGED = 50;

/** The restore plan whose sha256 an approval binds to (ids and checksums only, never a URL). */
function restorePlan(
  artifact: { id: string; sha256: string; size: number },
  engine: string,
  instanceId: string,
) {
  return {
    action: "restore",
    artifactId: artifact.id,
    sha256: artifact.sha256,
    size: artifact.size,
    engine,
    instanceId,
  };
}

/** Restore from a backup artifact: verify it (exists, same engine, sha256), stream it in, count what landed. */
export const dbRestoreHandler: TaskHandler<HandlerDeps> = {
  type: "db.restore",
  retry: TASK_TYPES["db.restore"].retry,
  approval: {
    after: "validate artifact",
    async request(ctx) {
      const engine = str(ctx.payload, "engine");
      const found = ctx.deps.instances.lookup(
        engine,
        str(ctx.payload, "target") || str(ctx.payload, "instanceId"),
      );
      if (found.kind !== "real") return null;
      if (!(await environmentRequiresApproval(ctx.deps.stores, found.instance.environment))) return null;
      const lines = Array.isArray(ctx.state.planLines) ? ctx.state.planLines.map(String) : [];
      return {
        planSha256: String(ctx.state.planSha256),
        summary: `restore ${str(ctx.payload, "artifactId")} into ${found.instance.id} (${found.instance.environment})`,
        lines,
      };
    },
  },
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
        ctx.state.artifactSha256 = artifact.sha256;
        // What a second person approves for a production restore: this backup, byte for byte, into this instance.
        const plan = restorePlan(artifact, engine, target.instance.id);
        ctx.state.planSha256 = createHash("sha256").update(JSON.stringify(plan)).digest("hex");
        ctx.state.planLines = [
          `Restore backup ${artifact.id} (${artifact.size} bytes, sha256 ${artifact.sha256}) into ${engine} instance ${target.instance.id}`,
          `Replaces the instance's objects that the backup holds (pg_restore --clean); nothing else changes`,
        ];
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
        if (ctx.task.approval) {
          // Approved: import only the bytes that were approved (the file could have changed while it waited).
          const now = await digestOf(await ctx.deps.storage.get(key, { signal: ctx.signal }));
          if (now.sha256 !== ctx.state.artifactSha256) {
            throw new PermanentError(
              "plan_checksum_mismatch",
              "The backup file changed after its restore was approved",
              "Restore again for a new check and approval",
            );
          }
        }
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
