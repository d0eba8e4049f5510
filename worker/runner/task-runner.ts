import type { TaskRow } from "../../db/rows";
import type { Stores } from "../../db/stores/index";
import type { Journal } from "../../domain/journal";
import { isTerminal, type TaskStatus } from "../../domain/model/task-status";
import { ABORT_REASON, type Delivery, type ProcessResult } from "../../domain/queue-port";
import { backoffDelay } from "../../platform/backoff";
import type { Logger } from "../../platform/logger";
import type { StepContext, TaskHandler } from "../handlers/handler";
import { createApprovalGate } from "./approval-gate";
import { AbortedError, errorCode, errorMessage, PermanentError, TransientError } from "./errors";

/** A handler may checkpoint in a tight loop; the cancel flag is read from the database at most this often. */
const CHECKPOINT_READ_MS = 250;

export interface RunnerDeps<Deps> {
  stores: Stores;
  journal: Journal;
  handlers: ReadonlyMap<string, TaskHandler<Deps>>;
  handlerDeps: Deps;
  logger: Logger;
  random?: () => number;
  /** Two-person approval (APPROVAL_TTL_MINUTES, and how often a parked task looks again). */
  approval?: { ttlMs: number; recheckMs: number };
}

/**
 * Runs one delivery of a task: moves it to running, runs the steps that have not succeeded yet,
 * and decides what happens on failure (retry with backoff while attempts remain, else failed plus
 * a dead letter). Returns what the queue should do with the item. Never throws.
 */
export function createTaskRunner<Deps>(deps: RunnerDeps<Deps>) {
  const { stores, journal, logger } = deps;
  const random = deps.random ?? Math.random;
  const gate = createApprovalGate({
    stores,
    journal,
    ttlMs: deps.approval?.ttlMs ?? 60 * 60_000,
    recheckMs: deps.approval?.recheckMs ?? 15_000,
  });

  async function begin(delivery: Delivery): Promise<TaskRow | null> {
    const task = await stores.tasks.get(delivery.taskId);
    if (!task || isTerminal(task.status as TaskStatus)) return null;
    if (task.status === "queued") {
      try {
        return await journal.status(task.id, "running", {
          attempts: task.attempts + 1,
          startedAt: task.startedAt ?? new Date(),
          error: null,
        });
      } catch {
        return null; // cancelled (or taken) between the read and the move: nothing to run
      }
    }
    if (task.status !== "running") return null;
    // Redelivery: a retry after backoff, or a crash of the worker that ran it (at-least-once).
    const again = await stores.tasks.update(task.id, { attempts: task.attempts + 1 });
    await journal.log(
      task.id,
      tagged(task.result, `Attempt ${again.attempts} of ${again.maxAttempts} starting`),
      "info",
    );
    return again;
  }

  async function finishCancelled(
    task: TaskRow,
    stepIndex: number | null,
    stepName: string | null,
  ): Promise<void> {
    if (stepIndex !== null && stepName) await journal.step(task.id, stepIndex, stepName, "cancelled");
    const fresh = await stores.tasks.get(task.id);
    await journal.log(task.id, tagged(fresh?.result ?? task.result, "Cancelled on request"), "warn");
    await journal.status(task.id, "cancelled", { finishedAt: new Date() }).catch(() => undefined);
  }

  /**
   * Stops the task when its signal was aborted or the database says a cancel was asked for. The abort
   * reaches a runner through Redis pub/sub or only within one process, so it can be lost; the flag in
   * the task row cannot. Read at step boundaries and (at most every CHECKPOINT_READ_MS) at checkpoints.
   */
  async function stopIfCancelled(taskId: string, signal: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    if (await stores.tasks.cancelRequested(taskId)) throw new AbortedError(ABORT_REASON.cancelled);
  }

  async function run(delivery: Delivery): Promise<ProcessResult> {
    const parked = await stores.tasks.get(delivery.taskId);
    const waiting = parked ? await gate.whileParked(parked) : null;
    if (waiting) return waiting;
    const task = await begin(delivery);
    if (!task) return { kind: "done" };
    const handler = deps.handlers.get(task.type);
    if (!handler) {
      return fail(
        task,
        new PermanentError("unknown_task_type", `No handler for task type ${task.type}`),
        null,
      );
    }
    if (task.cancelRequested) {
      await finishCancelled(task, null, null);
      return { kind: "done" };
    }
    const state: Record<string, unknown> = { ...(task.result ?? {}) };
    const steps = await stores.tasks.steps(task.id);
    let current: { index: number; name: string } | null = null;
    try {
      for (const [index, step] of handler.steps.entries()) {
        if (steps[index]?.status !== "succeeded") {
          await stopIfCancelled(task.id, delivery.signal);
          current = { index, name: step.name };
          await journal.step(task.id, index, step.name, "running");
          injectFailure(task, step.name);
          await step.run(contextFor(task, index, step.name, state, delivery.signal));
          await stopIfCancelled(task.id, delivery.signal);
          await stores.tasks.update(task.id, { result: state });
          await journal.step(task.id, index, step.name, "succeeded");
          current = null;
        }
        // The gate is asked after its step whether that step ran now or before the task parked.
        if (handler.approval?.after === step.name) {
          const ctx = contextFor(task, index, step.name, state, delivery.signal);
          const parkedNow = await gate.check(task, await handler.approval.request(ctx), state);
          if (parkedNow) return parkedNow;
        }
      }
      await journal.status(task.id, "succeeded", { finishedAt: new Date(), result: state, error: null });
      return { kind: "done" };
    } catch (error) {
      return handleFailure(task, delivery, error, current);
    }
  }

  async function handleFailure(
    task: TaskRow,
    delivery: Delivery,
    error: unknown,
    current: { index: number; name: string } | null,
  ): Promise<ProcessResult> {
    try {
      const reason = delivery.signal.aborted ? String(delivery.signal.reason) : null;
      if (reason === ABORT_REASON.shutdown) {
        if (current) await journal.step(task.id, current.index, current.name, "pending");
        const latest = await stores.tasks.get(task.id);
        await journal.log(
          task.id,
          tagged(latest?.result, "Worker stopping: task handed back to the queue"),
          "warn",
        );
        await stores.tasks.update(task.id, { attempts: Math.max(0, task.attempts - 1) });
        return { kind: "release" };
      }
      const fresh = await stores.tasks.get(task.id);
      if (reason === ABORT_REASON.cancelled || fresh?.cancelRequested) {
        await finishCancelled(task, current?.index ?? null, current?.name ?? null);
        return { kind: "done" };
      }
      const permanent = error instanceof PermanentError;
      if (current) {
        await journal.step(task.id, current.index, current.name, "failed", { message: errorMessage(error) });
      }
      if (!permanent && task.attempts < task.maxAttempts) {
        const handler = deps.handlers.get(task.type);
        const policy = handler?.retry ?? { baseDelayMs: 1000, maxDelayMs: 30_000 };
        const delayMs = backoffDelay(task.attempts, policy, random);
        await journal.log(
          task.id,
          tagged(
            fresh?.result,
            `Attempt ${task.attempts} of ${task.maxAttempts} failed: ${errorMessage(error)}. Retrying in ${(delayMs / 1000).toFixed(1)} s`,
          ),
          "warn",
          current?.name,
        );
        return { kind: "retry", delayMs };
      }
      return fail(task, error, current?.name ?? null);
    } catch (inner) {
      logger.error("task failure handling failed", { taskId: task.id, error: inner });
      return { kind: "retry", delayMs: 1000 };
    }
  }

  async function fail(task: TaskRow, error: unknown, stepName: string | null): Promise<ProcessResult> {
    const permanent = error instanceof PermanentError;
    const message = errorMessage(error);
    const code = errorCode(error);
    const hint = error instanceof PermanentError ? error.hint : undefined;
    const latest = await stores.tasks.get(task.id);
    await journal.log(
      task.id,
      tagged(latest?.result, `Task failed${stepName ? ` at step "${stepName}"` : ""}: ${message}`),
      "error",
      stepName ?? undefined,
    );
    // The dead letter and the failed status commit together: a reader that sees the task failed
    // always finds its dead letter, and a redelivery finds both or neither.
    await journal.status(
      task.id,
      "failed",
      { finishedAt: new Date(), error: hint ? { code, message, hint } : { code, message } },
      {
        within: async (tx) => {
          if (await tx.deadLetters.openForTask(task.id)) return;
          await tx.deadLetters.create({
            taskId: task.id,
            taskType: task.type,
            entityId: task.entityId,
            reason: permanent ? "permanent_error" : "attempts_exhausted",
            attempts: task.attempts,
            lastError: message,
          });
        },
      },
    );
    return { kind: "done" };
  }

  function contextFor(
    task: TaskRow,
    index: number,
    name: string,
    state: Record<string, unknown>,
    signal: AbortSignal,
  ): StepContext<Deps> {
    let nextRead = 0;
    return {
      task,
      payload: task.payload,
      signal,
      deps: deps.handlerDeps,
      state,
      log: (message, level = "info") => journal.log(task.id, tagged(state, message), level, name),
      progress: (percent, message) =>
        journal.progress(
          task.id,
          index,
          name,
          percent,
          message === undefined ? message : tagged(state, message),
        ),
      checkpoint: async () => {
        throwIfAborted(signal);
        if (Date.now() < nextRead) return;
        nextRead = Date.now() + CHECKPOINT_READ_MS;
        await stopIfCancelled(task.id, signal);
      },
      sleep: (ms) => abortableSleep(ms, signal),
    };
  }

  return { run };
}

export type TaskRunner = ReturnType<typeof createTaskRunner>;

/**
 * A handler may set `state.logTag` (e.g. "simulated cluster") so that the runner's own lines about
 * the task (attempts, cancel, failure) carry it too.
 */
function tagged(result: Record<string, unknown> | null | undefined, message: string): string {
  const tag = result?.logTag;
  return typeof tag === "string" && tag && !message.includes(tag) ? `[${tag}] ${message}` : message;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new AbortedError(String(signal.reason));
}

/** Demo and test failure injection: payload `failAt: "<step>"`, optional `failTimes: n`, `failPermanently`. */
function injectFailure(task: TaskRow, stepName: string): void {
  const { failAt, failTimes, failPermanently } = task.payload as {
    failAt?: unknown;
    failTimes?: unknown;
    failPermanently?: unknown;
  };
  if (failAt !== stepName) return;
  if (typeof failTimes === "number" && task.attempts > failTimes) return;
  const message = `Injected failure at step "${stepName}" (attempt ${task.attempts})`;
  if (failPermanently === true)
    throw new PermanentError("injected_failure", message, "Remove failAt from the payload");
  throw new TransientError("injected_failure", message);
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new AbortedError(String(signal.reason)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError(String(signal.reason)));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
