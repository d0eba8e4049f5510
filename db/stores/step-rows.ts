import type { Dialect } from "../client";
import type { StepPatch } from "./tasks-store";

// Step rows changed by a VALUES list joined to task_steps: the journal's group commit (many tasks'
// steps in one statement) and a status move that records a step with it (taskEvents.recordMove).
// A patch sets only the fields it has; each field travels as a (set flag, value) pair.

/** A step row to change: the task, the step's index and the fields to set. */
export interface StepRowChange {
  taskId: string;
  index: number;
  patch: StepPatch;
}

/** The columns of a step-row VALUES list, in the order of stepRowParams. */
const STEP_ROW_COLUMNS = `task_id, idx, set_status, status, set_percent, percent, set_message, message,
  set_started, started_at, set_finished, finished_at`;

/** One row of the VALUES list: PostgreSQL types every parameter (a VALUES list has no column types). */
function stepRowPlaceholders(dialect: Dialect): string {
  return dialect === "postgres"
    ? "(?::text, ?::integer, ?::boolean, ?::text, ?::boolean, ?::integer, ?::boolean, ?::text, ?::boolean, ?::timestamptz, ?::boolean, ?::timestamptz)"
    : "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
}

/** The parameters of one row: task id, index, then the patch as (set flag, value) pairs. */
function stepRowParams({ taskId, index, patch: p }: StepRowChange): unknown[] {
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
function stepSet(alias: string): string {
  return `status = case when ${alias}.set_status then ${alias}.status else task_steps.status end,
  percent = case when ${alias}.set_percent then ${alias}.percent else task_steps.percent end,
  message = case when ${alias}.set_message then ${alias}.message else task_steps.message end,
  started_at = case when ${alias}.set_started then ${alias}.started_at else task_steps.started_at end,
  finished_at = case when ${alias}.set_finished then ${alias}.finished_at else task_steps.finished_at end`;
}

/** SQLite: one statement that changes the step rows (run in the caller's transaction). */
export function stepUpdateSqlite(changes: readonly StepRowChange[]): { sql: string; params: unknown[] } {
  return {
    sql: `with v(${STEP_ROW_COLUMNS}) as (values ${changes.map(() => stepRowPlaceholders("sqlite")).join(", ")})
       update task_steps set ${stepSet("v")}
       from v where task_steps.task_id = v.task_id and task_steps.idx = v.idx`,
    params: changes.flatMap(stepRowParams),
  };
}

/**
 * PostgreSQL: the two CTEs (`sv`, `s`) that change the step rows of the tasks a CTE named `t` updated
 * (a refused task's steps stay as they are); their parameters are appended to `params`, in text order.
 */
export function stepUpdateCtesPg(changes: readonly StepRowChange[], params: unknown[]): string[] {
  params.push(...changes.flatMap(stepRowParams));
  return [
    `sv(${STEP_ROW_COLUMNS}) as (values ${changes.map(() => stepRowPlaceholders("postgres")).join(", ")})`,
    `s as (update task_steps set ${stepSet("sv")}
       from sv join t on t.id = sv.task_id
       where task_steps.task_id = sv.task_id and task_steps.idx = sv.idx returning 1)`,
  ];
}
