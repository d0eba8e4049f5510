import type { DbEngine } from "../../domain/model/task-types";
import type { DbInstance } from "../../platform/db-instances";
import type { EngineAdapter, OperationContext } from "../adapters/databases/engine-adapter";
import { PermanentError } from "../runner/errors";
import type { Ctx } from "./deps";

export interface DbTarget {
  adapter: EngineAdapter;
  instance: DbInstance;
  simulated: boolean;
  /** Logs to the task; in simulated mode every line says so. */
  log(message: string, level?: "info" | "warn"): Promise<void>;
}

/** The instance a task names, with its adapter; an instance removed from DB_INSTANCES since submit fails. */
export function targetOf(ctx: Ctx, engine: DbEngine, instanceId: string): DbTarget {
  const found = ctx.deps.instances.lookup(engine, instanceId);
  if (found.kind === "unknown") {
    throw new PermanentError(
      "instance_not_found",
      `No ${engine} instance is named ${instanceId}`,
      "Configure it in DB_INSTANCES (id, engine, url)",
    );
  }
  const simulated = found.kind === "simulated";
  return {
    adapter: simulated ? ctx.deps.databases.simulated : ctx.deps.databases.engines[engine],
    instance: found.kind === "real" ? found.instance : { ...found.instance, url: "" },
    simulated,
    log: (message, level) =>
      ctx.log(simulated && !/^simulated/i.test(message) ? `Simulated: ${message}` : message, level),
  };
}

/**
 * Runs an engine operation under the task's signal and DB_OPERATION_TIMEOUT_MINUTES. Either stops the
 * child process (SIGTERM, then SIGKILL); a timeout fails the task permanently with a hint.
 */
export async function withOperationLimits<T>(
  ctx: Ctx,
  target: DbTarget,
  operation: (op: OperationContext) => Promise<T>,
): Promise<T> {
  const timeoutMs = ctx.deps.databases.operationTimeoutMs;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  try {
    return await operation({ signal, log: target.log });
  } catch (error) {
    if (timeout.aborted && !ctx.signal.aborted) {
      throw new PermanentError(
        "db_operation_timeout",
        `The operation on ${target.instance.id} ran longer than ${Math.round(timeoutMs / 60_000) || "<1"} minute(s) and was stopped`,
        "Raise DB_OPERATION_TIMEOUT_MINUTES for large databases",
      );
    }
    throw error;
  }
}
