import { TASK_TYPES } from "../../domain/model/task-types";
import type { RetryPolicy } from "../../platform/backoff";
import { dbBackupHandler } from "./db-backup";
import { dbRestoreHandler } from "./db-restore";
import { deployHandler } from "./deploy";
import type { HandlerDeps } from "./deps";
import type { TaskHandler } from "./handler";
import { k8sRestartHandler } from "./k8s-restart";
import { sandboxCreateHandler, sandboxExpireHandler } from "./sandbox";

export const builtInHandlers: TaskHandler<HandlerDeps>[] = [
  deployHandler,
  dbBackupHandler,
  dbRestoreHandler,
  k8sRestartHandler,
  sandboxCreateHandler,
  sandboxExpireHandler,
];

/** Handlers by task type; refuses a handler whose steps differ from the task model's. */
export function handlerRegistry<D>(handlers: TaskHandler<D>[]): Map<string, TaskHandler<D>> {
  const map = new Map<string, TaskHandler<D>>();
  for (const handler of handlers) {
    const expected = TASK_TYPES[handler.type].steps.join(",");
    const actual = handler.steps.map((s) => s.name).join(",");
    if (expected !== actual)
      throw new Error(`Handler ${handler.type} steps [${actual}] differ from the model [${expected}]`);
    map.set(handler.type, handler);
  }
  return map;
}

export function retryPolicies<D>(handlers: ReadonlyMap<string, TaskHandler<D>>): Map<string, RetryPolicy> {
  return new Map([...handlers].map(([type, h]) => [type, h.retry]));
}
