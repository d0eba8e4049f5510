import { randomUUID } from "node:crypto";
import { CancelRequestedError, LeaseLostError } from "../../db/errors";
import type { TaskRow, TaskStepRow } from "../../db/rows";
import type { Stores } from "../../db/stores/index";
import type { FencedJournal, Journal } from "../../domain/journal";
import { isTerminal, type TaskStatus } from "../../domain/model/task-status";
import { ABORT_REASON, type Delivery, type ProcessResult } from "../../domain/queue-port";
import { backoffDelay } from "../../platform/backoff";
import type { Logger } from "../../platform/logger";
import { type Instruments, noopInstruments } from "../../platform/telemetry/instruments";
import {
  contextFromTraceparent,
  currentTraceId,
  SpanKind,
  traceIdOf,
  withSpan,
} from "../../platform/telemetry/spans";
import type { StepContext, TaskHandler } from "../handlers/handler";
import { createApprovalGate } from "./approval-gate";
import { AbortedError, errorCode, errorMessage, PermanentError, TransientError } from "./errors";
import { forwardAbort } from "./forward-abort";

/** A handler may checkpoint in a tight loop; the cancel flag is read from the database at most this often. */
const CHECKPOINT_READ_MS = 250;
/**
 * How long a delivery's lease on its task lasts without renewal (renewed every third of it while the
 * delivery runs). A runner whose event loop stalls longer loses the task to the next delivery, and its
 * own journal writes are refused from then on (fencing). Same order as the BullMQ lock.
 */
export const DEFAULT_LEASE_MS = 10_000;
/** Abort reason of a delivery whose lease another delivery took. */
const LEASE_LOST = "lease_lost";

export interface RunnerDeps<Deps> {
  stores: Stores;
  journal: Journal;
  handlers: ReadonlyMap<string, TaskHandler<Deps>>;
  handlerDeps: Deps;
  logger: Logger;
  random?: () => number;
  leaseMs?: number;
  instruments?: Instruments;
  /** Two-person approval (APPROVAL_TTL_MINUTES, and how often a parked task looks again). */
  approval?: { ttlMs: number; recheckMs: number };
}

/** A step to run first: a queued task's move to running records its start too (one commit, not two). */
interface FirstStep {
  index: number;
  name: string;
}

/** A delivery that holds the task; `started` is the step whose start the move to running recorded. */
type Begun = { task: TaskRow; journal: FencedJournal; started: number | null } | { busyMs: number } | null;

/**
 * Runs one delivery of a task: takes the task's lease, moves it to running, runs the steps that have
 * not succeeded yet, and decides what happens on failure (retry with backoff while attempts remain,
 * else failed plus a dead letter). Every journal write of the delivery is fenced by its lease. Returns
 * what the queue should do with the item. Never throws.
 */
export function createTaskRunner<Deps>(deps: RunnerDeps<Deps>) {
  const { stores, journal, logger } = deps;
  const random = deps.random ?? Math.random;
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const instruments = deps.instruments ?? noopInstruments;
  const gate = createApprovalGate({
    stores,
    journal,
    ttlMs: deps.approval?.ttlMs ?? 60 * 60_000,
    recheckMs: deps.approval?.recheckMs ?? 15_000,
  });

  /** The fields every log line about a task attempt carries (never its payload: it may hold secrets). */
  function attemptFields(task: TaskRow, error: unknown) {
    return {
      taskId: task.id,
      type: task.type,
      entity: task.entityId,
      attempt: task.attempts,
      maxAttempts: task.maxAttempts,
      errorCode: errorCode(error),
      traceId: currentTraceId() ?? traceIdOf(task.traceContext),
      correlationId: task.correlationId,
    };
  }

  async function begin(task: TaskRow | null, first: FirstStep | null = null): Promise<Begun> {
    if (!task || isTerminal(task.status as TaskStatus)) return null;
    const lease = randomUUID();
    if (task.status === "queued") {
      try {
        const moved = await journal.status(
          task.id,
          "running",
          {
            attempts: task.attempts + 1,
            startedAt: task.startedAt ?? new Date(),
            error: null,
            leaseToken: lease,
            leaseExpiresAt: new Date(Date.now() + leaseMs),
          },
          first ? { stepsAfter: [{ index: first.index, name: first.name, status: "running" }] } : {},
        );
        return { task: moved, journal: journal.fenced(task.id, lease), started: first?.index ?? null };
      } catch {
        return null; // cancelled (or taken) between the read and the move: nothing to run
      }
    }
    if (task.status !== "running") return null;
    const now = Date.now();
    const expiresAt = task.leaseExpiresAt?.getTime() ?? 0;
    // Another delivery runs it (after a Redis data loss the lanes are rebuilt while it still runs):
    // wait for it to finish or to stop renewing, without counting an attempt.
    if (task.leaseToken !== null && expiresAt > now) {
      return { busyMs: Math.min(leaseMs, Math.max(100, expiresAt - now + 50)) };
    }
    // No holder: a retry after a failure, a new attempt. An expired holder: its worker crashed, stalled
    // or handed the task back, so the same attempt resumes (a crash is not a failed attempt).
    const resumed = task.leaseToken !== null;
    const taken = await stores.tasks.takeLease(
      task.id,
      lease,
      task.leaseToken,
      leaseMs,
      resumed ? {} : { attempts: task.attempts + 1 },
    );
    if (!taken) return { busyMs: 200 }; // another delivery took it first
    const fenced = journal.fenced(task.id, lease);
    await fenced.log(
      tagged(
        task.result,
        resumed
          ? `Resuming attempt ${taken.attempts} of ${taken.maxAttempts} (its previous delivery ended without finishing it)`
          : `Attempt ${taken.attempts} of ${taken.maxAttempts} starting`,
      ),
      "info",
    );
    return { task: taken, journal: fenced, started: null };
  }

  async function finishCancelled(
    task: TaskRow,
    fenced: FencedJournal,
    stepIndex: number | null,
    stepName: string | null,
  ): Promise<void> {
    if (stepIndex !== null && stepName) await fenced.step(stepIndex, stepName, "cancelled");
    const fresh = await stores.tasks.get(task.id);
    await fenced.log(tagged(fresh?.result ?? task.result, "Cancelled on request"), "warn");
    await fenced.status("cancelled", { finishedAt: new Date() }).catch((error) => {
      if (error instanceof LeaseLostError) throw error;
    });
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

  /** Renews the lease while the delivery runs; aborts `lost` when another delivery took the task. */
  function heartbeat(taskId: string, lease: string, lost: AbortController): () => void {
    const timer = setInterval(
      () => {
        stores.tasks.renewLease(taskId, lease, leaseMs).then(
          (held) => {
            if (!held) lost.abort(LEASE_LOST);
          },
          (error) => logger.warn("task lease renewal failed", { taskId, error }),
        );
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  /**
   * One delivery is one attempt and one span (`task <type>`), a child of the span that queued the task:
   * the traceparent of the message, else the one stored with the task.
   */
  async function run(delivery: Delivery): Promise<ProcessResult> {
    const read = await stores.tasks.withSteps(delivery.taskId).catch(() => null);
    const row = read?.task ?? null;
    return withSpan(
      `task ${row?.type ?? "unknown"}`,
      {
        kind: SpanKind.CONSUMER,
        parent: contextFromTraceparent(delivery.traceparent ?? row?.traceContext),
        attributes: {
          "cloudops.task.id": delivery.taskId,
          "cloudops.task.type": row?.type ?? "unknown",
          "cloudops.entity": delivery.entityId,
          "cloudops.delivery": delivery.deliveryCount,
        },
      },
      async (span) => {
        const result = await runDelivery(delivery, row, read?.steps ?? null);
        span.setAttribute("cloudops.task.outcome", result.kind);
        return result;
      },
    );
  }

  async function runDelivery(
    delivery: Delivery,
    row: TaskRow | null,
    steps: TaskStepRow[] | null,
  ): Promise<ProcessResult> {
    let begun: Begun;
    try {
      const task = row ?? (await stores.tasks.get(delivery.taskId));
      // A task waiting for approval keeps the head of its lane: this delivery only looks again.
      const waiting = task ? await gate.whileParked(task) : null;
      if (waiting) return waiting;
      begun = await begin(task, task?.status === "queued" ? firstStepOf(task, steps) : null);
    } catch (error) {
      logger.error("task delivery could not start", { taskId: delivery.taskId, error });
      return { kind: "retry", delayMs: 1000 };
    }
    if (!begun) return { kind: "done" };
    if ("busyMs" in begun) return { kind: "retry", delayMs: begun.busyMs };
    const { task, journal: fenced } = begun;
    // Aborted by the delivery's own signal (a cancel, a shutdown) or by the heartbeat (lease lost).
    const stop = new AbortController();
    const stopForwarding = forwardAbort(delivery.signal, stop);
    const stopHeartbeat = heartbeat(task.id, fenced.lease, stop);
    try {
      // A queued task has no lease holder, so nothing wrote its steps since they were read with it;
      // a running one may have had a stalled holder until this delivery took the lease: read again.
      return await runSteps(
        task,
        fenced,
        stop.signal,
        row?.status === "queued" ? steps : null,
        begun.started,
      );
    } finally {
      stopHeartbeat();
      stopForwarding();
    }
  }

  /**
   * The step a queued task starts with, when its move to running can record that start: the first
   * step not yet succeeded, of a task that has a handler and no cancel request. Not when an approval
   * gate comes before that step (a task let through after approval): the gate is asked again first.
   */
  function firstStepOf(task: TaskRow, steps: TaskStepRow[] | null): FirstStep | null {
    const handler = deps.handlers.get(task.type);
    if (!handler || !steps || task.cancelRequested) return null;
    const index = handler.steps.findIndex((_, i) => steps[i]?.status !== "succeeded");
    const step = handler.steps[index];
    const gate = handler.approval ? handler.steps.findIndex((s) => s.name === handler.approval?.after) : -1;
    return step && !(gate >= 0 && gate < index) ? { index, name: step.name } : null;
  }

  async function runSteps(
    task: TaskRow,
    fenced: FencedJournal,
    signal: AbortSignal,
    read: TaskStepRow[] | null,
    /** The step whose start the move to running recorded (see begin). */
    startedWithMove: number | null,
  ): Promise<ProcessResult> {
    const handler = deps.handlers.get(task.type);
    let current: { index: number; name: string; startedAt: number } | null = null;
    try {
      if (!handler) {
        throw new PermanentError("unknown_task_type", `No handler for task type ${task.type}`);
      }
      if (task.cancelRequested) {
        const started = startedWithMove === null ? undefined : handler.steps[startedWithMove];
        await finishCancelled(task, fenced, started ? startedWithMove : null, started?.name ?? null);
        return { kind: "done" };
      }
      const state: Record<string, unknown> = { ...(task.result ?? {}) };
      // The state as last stored: a step that changed nothing does not write it again.
      const saved = { json: JSON.stringify(state) };
      const steps = read ?? (await stores.tasks.steps(task.id));
      const toRun = handler.steps.map((_, index) => steps[index]?.status !== "succeeded");
      /**
       * A step whose "running" was recorded with the write before it (one commit): the success of the
       * step before it, or the move to running for the first.
       */
      let startedAlready: number | null = startedWithMove;
      // The last step's success is recorded with the final move (one commit), unless an approval
      // gate comes after it.
      const lastIndex = handler.steps.length - 1;
      const finalWithMove =
        toRun[lastIndex] === true && handler.approval?.after !== handler.steps[lastIndex]?.name;
      /** The last step, run and awaiting the final move that records its success. */
      let ranLast = null as { index: number; name: string; startedAt: number } | null;
      for (const [index, step] of handler.steps.entries()) {
        if (toRun[index]) {
          const started = { index, name: step.name, startedAt: performance.now() };
          await withSpan(
            `step ${step.name}`,
            {
              attributes: {
                "cloudops.step.index": index,
                "cloudops.step.name": step.name,
                "cloudops.task.attempt": task.attempts,
              },
            },
            async () => {
              // The cancel flag is checked by the step writes themselves (same statement as the lease
              // check): a requested cancel stops the task before the step starts and before it is
              // recorded as succeeded, as a read of the flag at each boundary did.
              if (startedAlready === index) current = started;
              throwIfAborted(signal);
              if (startedAlready !== index) {
                if (!(await fenced.step(index, step.name, "running", { unlessCancelled: true })))
                  throw new AbortedError(ABORT_REASON.cancelled);
              }
              startedAlready = null;
              current = started;
              injectFailure(task, step.name);
              await step.run(contextFor(task, fenced, index, step.name, state, saved, signal));
              throwIfAborted(signal);
              if (finalWithMove && index === lastIndex) {
                ranLast = started;
                return;
              }
              // The step's saved state (when it changed) and its success commit together, behind the
              // lease; with the next step's start when nothing (an approval gate) comes in between.
              const next = index + 1;
              const nextStep = handler.steps[next];
              const chain = nextStep && toRun[next] && handler.approval?.after !== step.name;
              const json = JSON.stringify(state);
              const changed = json !== saved.json;
              const written = await fenced.steps(
                [
                  { index, name: step.name, status: "succeeded" },
                  ...(chain ? [{ index: next, name: nextStep.name, status: "running" as const }] : []),
                ],
                { unlessCancelled: true, ...(changed ? { result: state } : {}) },
              );
              if (!written) throw new AbortedError(ABORT_REASON.cancelled);
              if (changed) saved.json = json;
              if (chain) startedAlready = next;
            },
          );
          if (ranLast !== started) {
            recordStep(task, started, "succeeded");
            current = null;
          }
        }
        // The gate is asked after its step whether that step ran now or before the task parked.
        if (handler.approval?.after === step.name) {
          const ctx = contextFor(task, fenced, index, step.name, state, saved, signal);
          const parkedNow = await gate.check(task, await handler.approval.request(ctx), state, fenced);
          if (parkedNow) return parkedNow;
        }
      }
      const last = ranLast;
      try {
        await fenced.status(
          "succeeded",
          { finishedAt: new Date(), result: state, error: null },
          last
            ? {
                stepsBefore: [{ index: last.index, name: last.name, status: "succeeded" }],
                unlessCancelled: true,
              }
            : {},
        );
      } catch (error) {
        // A cancel asked during the last step ends the task cancelled, as the step's own write did.
        if (error instanceof CancelRequestedError) throw new AbortedError(ABORT_REASON.cancelled);
        throw error;
      }
      if (last) recordStep(task, last, "succeeded");
      return { kind: "done" };
    } catch (error) {
      return handleFailure(task, fenced, signal, error, current);
    }
  }

  async function handleFailure(
    task: TaskRow,
    fenced: FencedJournal,
    signal: AbortSignal,
    error: unknown,
    current: { index: number; name: string; startedAt: number } | null,
  ): Promise<ProcessResult> {
    if (current) recordStep(task, current, "failed");
    try {
      const reason = signal.aborted ? String(signal.reason) : null;
      if (reason === LEASE_LOST || error instanceof LeaseLostError) return leaseLost(task);
      const fresh = await stores.tasks.get(task.id);
      /** Gives the task back to the queue; the next delivery resumes this attempt at once. */
      const handBack = async (why: string): Promise<ProcessResult> => {
        if (current) await fenced.step(current.index, current.name, "pending");
        await fenced.log(tagged(fresh?.result, why), "warn");
        await stores.tasks.renewLease(task.id, fenced.lease, 0);
        return { kind: "release" };
      };
      if (reason === ABORT_REASON.shutdown) return handBack("Worker stopping: task handed back to the queue");
      if (reason === ABORT_REASON.requeue)
        return handBack("Queue lost its data: task handed back while the queue is rebuilt");
      // The row decides a cancel; an abort only hurries it (task-service.ts). An abort the row does not
      // back is a wake-up that met the delivery already running: an approval's, sent to its parked
      // delivery just as the delivery's recheck started the approved run.
      const woken = reason === ABORT_REASON.cancelled;
      if (fresh?.cancelRequested || (woken && (!fresh || fresh.status === "cancelled"))) {
        await finishCancelled(task, fenced, current?.index ?? null, current?.name ?? null);
        return { kind: "done" };
      }
      if (woken) return handBack("Woken while running (no cancel was asked): task handed back to the queue");
      const permanent = error instanceof PermanentError;
      if (current) {
        await fenced.step(current.index, current.name, "failed", { message: errorMessage(error) });
      }
      instruments.attemptsFailed.add(1, { type: task.type, code: errorCode(error) });
      logger.warn("task attempt failed", {
        ...attemptFields(task, error),
        step: current?.name ?? null,
        willRetry: !permanent && task.attempts < task.maxAttempts,
      });
      if (!permanent && task.attempts < task.maxAttempts) {
        const handler = deps.handlers.get(task.type);
        const policy = handler?.retry ?? { baseDelayMs: 1000, maxDelayMs: 30_000 };
        const delayMs = backoffDelay(task.attempts, policy, random);
        await fenced.log(
          tagged(
            fresh?.result,
            `Attempt ${task.attempts} of ${task.maxAttempts} failed: ${errorMessage(error)}. Retrying in ${(delayMs / 1000).toFixed(1)} s`,
          ),
          "warn",
          current?.name,
        );
        // No holder until the next delivery, which counts a new attempt.
        await stores.tasks.releaseLease(task.id, fenced.lease);
        return { kind: "retry", delayMs };
      }
      return await fail(task, fenced, error, current?.name ?? null);
    } catch (inner) {
      if (inner instanceof LeaseLostError) return leaseLost(task);
      logger.error("task failure handling failed", { taskId: task.id, error: inner });
      return { kind: "retry", delayMs: 1000 };
    }
  }

  /** Another delivery holds the task now: stop without writing anything more for it. */
  function leaseLost(task: TaskRow): ProcessResult {
    logger.warn("task lease taken by another delivery; this one stops without further writes", {
      taskId: task.id,
    });
    return { kind: "done" };
  }

  async function fail(
    task: TaskRow,
    fenced: FencedJournal,
    error: unknown,
    stepName: string | null,
  ): Promise<ProcessResult> {
    const permanent = error instanceof PermanentError;
    const message = errorMessage(error);
    const code = errorCode(error);
    const hint = error instanceof PermanentError ? error.hint : undefined;
    const latest = await stores.tasks.get(task.id);
    const reason = permanent ? "permanent_error" : "attempts_exhausted";
    instruments.deadLettered.add(1, { type: task.type, reason });
    logger.error("task dead-lettered", { ...attemptFields(task, error), step: stepName, reason });
    await fenced.log(
      tagged(latest?.result, `Task failed${stepName ? ` at step "${stepName}"` : ""}: ${message}`),
      "error",
      stepName ?? undefined,
    );
    // The dead letter and the failed status commit together: a reader that sees the task failed
    // always finds its dead letter, and a redelivery finds both or neither.
    await fenced.status(
      "failed",
      { finishedAt: new Date(), error: hint ? { code, message, hint } : { code, message } },
      {
        within: async (tx) => {
          if (await tx.deadLetters.openForTask(task.id)) return;
          await tx.deadLetters.create({
            taskId: task.id,
            taskType: task.type,
            entityId: task.entityId,
            reason,
            attempts: task.attempts,
            lastError: message,
          });
        },
      },
    );
    return { kind: "done" };
  }

  function recordStep(
    task: TaskRow,
    step: { name: string; startedAt: number },
    status: "succeeded" | "failed",
  ): void {
    instruments.stepDuration.record((performance.now() - step.startedAt) / 1000, {
      type: task.type,
      step: step.name,
      status,
    });
  }

  function contextFor(
    task: TaskRow,
    fenced: FencedJournal,
    index: number,
    name: string,
    state: Record<string, unknown>,
    saved: { json: string },
    signal: AbortSignal,
  ): StepContext<Deps> {
    let nextRead = 0;
    return {
      task,
      payload: task.payload,
      signal,
      deps: deps.handlerDeps,
      state,
      log: (message, level = "info") => fenced.log(tagged(state, message), level, name),
      saveState: async () => {
        const json = JSON.stringify(state);
        await fenced.saveResult({ ...state });
        saved.json = json;
      },
      progress: (percent, message) =>
        fenced.progress(index, name, percent, message === undefined ? message : tagged(state, message)),
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
