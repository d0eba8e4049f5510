import type { TaskRow } from "../../db/rows";
import type { TaskType } from "../../domain/model/task-types";
import type { RetryPolicy } from "../../platform/backoff";

/** What a step sees. Everything it does to the outside world goes through `deps` adapters. */
export interface StepContext<Deps> {
  task: TaskRow;
  payload: Record<string, unknown>;
  signal: AbortSignal;
  deps: Deps;
  /** Values later steps (and a resumed retry) need; saved to the task's result after each step. */
  state: Record<string, unknown>;
  log(message: string, level?: "debug" | "info" | "warn" | "error"): Promise<void>;
  /** Saves `state` to the task's result now (behind the delivery's lease), before the step ends. */
  saveState(): Promise<void>;
  progress(percent: number, message?: string): Promise<void>;
  /**
   * Throws AbortedError when the task was cancelled (its abort signal, or the cancel flag in the
   * database when the signal was lost) or the worker is stopping.
   */
  checkpoint(): Promise<void>;
  /** Waits `ms`, ending early with AbortedError on abort. */
  sleep(ms: number): Promise<void>;
}

export interface StepDefinition<Deps> {
  name: string;
  run(ctx: StepContext<Deps>): Promise<void>;
}

/** What a second person approves: the plan's checksum and what it does, in brief. */
export interface ApprovalRequest {
  planSha256: string;
  summary: string;
  lines: string[];
}

/**
 * Two-person approval: after the step `after` succeeded (this delivery or an earlier one) the runner
 * asks `request`; a non-null answer parks the task in awaiting_approval until someone approves that
 * exact plan checksum. The steps after `after` run only the plan that was approved.
 */
export interface ApprovalGate<Deps> {
  after: string;
  /** The plan to approve, or null when this target needs no approval. */
  request(ctx: StepContext<Deps>): Promise<ApprovalRequest | null>;
}

/** One task type: its named steps (same names and order as db/model/task-types.ts) and retry policy. */
export interface TaskHandler<Deps> {
  type: TaskType;
  retry: RetryPolicy;
  steps: StepDefinition<Deps>[];
  approval?: ApprovalGate<Deps>;
}
