import type { TaskRow } from "../../db/rows";
import type { Stores } from "../../db/stores/index";
import { createJournal } from "../../domain/journal";
import type { TaskEventBus } from "../../domain/task-event-bus";
import { createTaskService } from "../../domain/task-service";
import { createWorker, type WorkerDeps } from "../../worker/create-worker";
import { builtInHandlers, handlerRegistry, retryPolicies } from "../../worker/handlers/index";

export type EngineDeps = Omit<WorkerDeps, "journal" | "tasks"> & {
  bus: TaskEventBus;
  /**
   * Called in the transaction that records succeeded, failed or cancelled (what compose wires to the
   * outbox); `tx` holds the stores of that transaction.
   */
  onTaskFinished?: (task: TaskRow, tx: Stores) => Promise<unknown>;
  /** Called once that transaction committed. */
  afterTaskFinished?: () => void;
  /** Called in the transaction that parks a task in awaiting_approval (compose wires the outbox). */
  onApprovalRequested?: (task: TaskRow, tx: Stores) => Promise<unknown>;
};

/**
 * The task service and the worker in one object, wired as compose.ts wires a `ROLE=all` process, for
 * suites that drive the engine directly. The task service takes its retry policies from the handlers
 * under test, so scripted handlers with their own attempt budgets behave as they would in a worker.
 */
export function composeEngine(deps: EngineDeps) {
  const { stores, queue, bus, logger } = deps;
  const journal = createJournal({
    stores,
    bus,
    logger,
    onTerminal: deps.onTaskFinished,
    afterTerminal: deps.afterTaskFinished,
    onApprovalRequested: deps.onApprovalRequested,
  });
  const policies = retryPolicies(handlerRegistry(deps.handlers ?? builtInHandlers));
  const tasks = createTaskService({ stores, queue, journal, policies, logger });
  const worker = createWorker({ ...deps, journal, tasks });
  return {
    queue,
    journal,
    tasks,
    handlers: worker.handlers,
    reconciler: worker.reconciler,
    expiry: worker.expiry,
    approvalExpiry: worker.approvalExpiry,
    startWorker: () => worker.start(),
    stop: (graceMs: number) => worker.stop(graceMs),
  };
}

export type TaskEngine = ReturnType<typeof composeEngine>;
