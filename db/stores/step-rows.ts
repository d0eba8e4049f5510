import type { Dialect } from "../client";
import type { StepPatch } from "./tasks-store";

// Step rows changed by a VALUES list joined to task_steps: the journal's group commit (many tasks'
// steps in one statement) and a status move that records a step with it (taskEvents.recordMove).
// A patch sets only the fields it has; each field travels as a (set flag, value) pair.

/** The columns of a step-row VALUES list, in the order of stepRowParams. */
export const STEP_ROW_COLUMNS = `task_id, idx, set_status, status, set_percent, percent, set_message, message,
  set_started, started_at, set_finished, finished_at`;

/** One row of the VALUES list: PostgreSQL types every parameter (a VALUES list has no column types). */
export function stepRowPlaceholders(dialect: Dialect): string {
  return dialect === "postgres"
    ? "(?::text, ?::integer, ?::boolean, ?::text, ?::boolean, ?::integer, ?::boolean, ?::text, ?::boolean, ?::timestamptz, ?::boolean, ?::timestamptz)"
    : "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
}

/** The parameters of one row: task id, index, then the patch as (set flag, value) pairs. */
export function stepRowParams(taskId: string, index: number, p: StepPatch): unknown[] {
  return [
    taskId,
    index,
    p.status !== undefined,
    p.status ?? null,
    p.percent !== undefined,
    p.percent ?? 0,
    p.message !== undefined,
    p.message ?? null,
    p.startedAt !== undefined,
    p.startedAt ?? null,
    p.finishedAt !== undefined,
    p.finishedAt ?? null,
  ];
}

/** The SET clause of `update task_steps … from <alias>`: each field only where its flag is set. */
export function stepSet(alias: string): string {
  return `status = case when ${alias}.set_status then ${alias}.status else task_steps.status end,
  percent = case when ${alias}.set_percent then ${alias}.percent else task_steps.percent end,
  message = case when ${alias}.set_message then ${alias}.message else task_steps.message end,
  started_at = case when ${alias}.set_started then ${alias}.started_at else task_steps.started_at end,
  finished_at = case when ${alias}.set_finished then ${alias}.finished_at else task_steps.finished_at end`;
}
