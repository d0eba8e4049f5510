import type { TaskEvent, TaskEventData } from "../../domain/model/events";
import type { TaskStatus } from "../../domain/model/task-status";
import { stepsOf } from "../../domain/model/task-types";
import { merged } from "../../platform/merged";
import type { Database } from "../client";
import type { TaskRow } from "../rows";
import { stepUpdateCtesPg } from "./step-rows";
import { type NewTask, type StepPatch, type TaskPatch, type TasksStore, taskRowsOf } from "./tasks-store";

// What the task engine records with a new task and with a status change, and the PostgreSQL form of
// both: one statement of data-modifying CTEs each (atomic by itself, one round trip). SQLite runs
// them as a transaction of the same steps (taskEvents.recordCreate / recordMove).

/** A new task and its first event (see recordCreate). */
export interface RecordedCreate {
  task: TaskRow;
  created: boolean;
  /** The first event, ready to publish; null when the task existed already. */
  event: TaskEvent | null;
}

/** A move with the events recorded with it (see recordMove). */
export interface RecordedMove {
  id: string;
  to: TaskStatus;
  patch: TaskPatch;
  now: Date;
  from?: readonly TaskStatus[];
  lease?: string | null;
  /** Events that go before the status event, in order. */
  events: readonly TaskEventData[];
  /** Events that go after the status event, in order (the first step's start with the move to running). */
  after?: readonly TaskEventData[];
  /** Step rows changed with the move (distinct indexes), as the journal's step writes change them. */
  steps?: readonly { index: number; patch: StepPatch }[];
  /** Nothing is written when a cancel was requested for the task: CancelRequestedError. */
  unlessCancelled?: boolean;
}

/** Every event of a move in sequence order: `events`, the status event (null here), `after`. */
export function eventsOfMove(move: RecordedMove): (TaskEventData | null)[] {
  return [...move.events, null, ...(move.after ?? [])];
}

/** The event a move to `to` records, from the task row as the move left it. */
export function statusEventOf(to: TaskStatus, task: TaskRow): TaskEventData {
  return {
    kind: "status",
    status: to,
    attempts: task.attempts,
    error: task.error ? { code: task.error.code, message: task.error.message } : null,
  };
}

/** A stored event as readers and the bus see it. */
export function toEvent(
  row: { id: number; taskId: string; seq: number; at: Date; data: Record<string, unknown> },
  task: TaskEvent["task"],
): TaskEvent {
  return {
    id: row.id,
    taskId: row.taskId,
    seq: row.seq,
    at: row.at.toISOString(),
    task,
    data: row.data as TaskEventData,
  };
}

/** A task's old log lines are pruned when a log event's sequence number is a multiple of this. */
export const PRUNE_EVERY = 25;

/**
 * PostgreSQL: the move and its events as one statement of data-modifying CTEs (atomic by itself),
 * one round trip instead of four (begin, update, insert, commit). The status event is built from
 * the moved row as statusEventOf builds it (the store contract compares what this returns with
 * what a reader lists).
 */
export async function recordMovePg(
  database: Database,
  tasks: TasksStore,
  move: RecordedMove,
  prune: (taskId: string) => Promise<void>,
): Promise<{ task: TaskRow; events: TaskEvent[] }> {
  const ordered = eventsOfMove(move);
  const { sql: update, params } = tasks.transitionSql(
    move.id,
    move.to,
    move.patch,
    move.now,
    move.from,
    move.lease ?? null,
    ordered.length,
    move.unlessCancelled,
  );
  const at = move.now.toISOString();
  // Each event by its distance (`back`) from the last sequence number the move took.
  const others = ordered.flatMap((data, k) => (data ? [{ data, back: ordered.length - 1 - k }] : []));
  const statusBack = (move.after ?? []).length;
  const rows = others.map(({ data, back }) => {
    params.push(back, data.kind, JSON.stringify(data), at);
    return "(?::integer, ?::text, ?::jsonb, ?::timestamptz)";
  });
  params.push(statusBack, move.to, at);
  const statusData = `jsonb_build_object('kind', 'status', 'status', ?::text, 'attempts', t.attempts,
      'error', case when t.error is null or jsonb_typeof(t.error) = 'null' then null
        else jsonb_build_object('code', t.error->'code', 'message', t.error->'message') end)`;
  const before =
    rows.length > 0
      ? `select t.id, t.event_seq - ev.back, ev.kind, ev.data, ev.at
             from t cross join (values ${rows.join(", ")}) as ev(back, kind, data, at) union all `
      : "";
  // Log events also write their log line (as insertIn does).
  const logs = others.flatMap(({ data, back }) => (data.kind === "log" ? [{ data, back }] : []));
  const logRows = logs.map(({ data, back }) => {
    params.push(back, data.level, data.step ?? null, data.message, at);
    return "(?::integer, ?::text, ?::text, ?::text, ?::timestamptz)";
  });
  const logInsert =
    logRows.length > 0
      ? `, l as (insert into task_logs (task_id, seq, level, step, message, at)
             select t.id, t.event_seq - lv.back, lv.level, lv.step, lv.message, lv.at
             from t cross join (values ${logRows.join(", ")}) as lv(back, level, step, message, at))`
      : "";
  const steps = (move.steps ?? []).map((step) => ({ taskId: move.id, ...step }));
  const stepUpdate = steps.length > 0 ? `, ${stepUpdateCtesPg(steps, params).join(", ")}` : "";
  const result = await database.rawQuery(
    `with t as (${update}),
       e as (insert into task_events (task_id, seq, kind, data, at)
         ${before}select t.id, t.event_seq - ?::integer, 'status', ${statusData}, ?::timestamptz from t
         returning id, seq)${logInsert}${stepUpdate}
       select t.*, (select array_agg(e.id order by e.seq) from e) as "__event_ids" from t`,
    params,
  );
  const first = result[0];
  if (!first) return tasks.explainRefusedMove(move.id, move.to, move.lease ?? null, move.unlessCancelled);
  const task = taskRowsOf(database).fromRow(first);
  const seqOf = (back: number) => task.eventSeq - back;
  if (logs.some(({ back }) => seqOf(back) % PRUNE_EVERY === 0)) await prune(task.id);
  const datas = ordered.map((data) => data ?? statusEventOf(move.to, task));
  // One row whatever the number of events: the task's columns are read once, not once per event.
  const eventIds = Array.isArray(first.__event_ids) ? (first.__event_ids as unknown[]) : [];
  const head = { type: task.type, entityId: task.entityId, status: task.status as TaskStatus };
  const events = datas.map((data, k) =>
    toEvent(
      {
        id: Number(eventIds[k] ?? 0),
        taskId: task.id,
        seq: task.eventSeq - datas.length + 1 + k,
        at: move.now,
        data: data as Record<string, unknown>,
      },
      head,
    ),
  );
  return { task, events };
}

/**
 * PostgreSQL: a new task, its steps and its first event as one statement (one round trip instead
 * of five). A taken idempotency key inserts nothing; the existing task is read then.
 */
export async function recordCreatePg(
  database: Database,
  tasks: TasksStore,
  input: NewTask,
  now: Date,
  first: TaskEventData,
): Promise<RecordedCreate> {
  const insert = tasks.insertSql(merged(input, { eventsTaken: 1 }), now);
  const { params } = insert;
  const names = stepsOf(input.type);
  const stepRows = names.map((name, idx) => {
    params.push(idx, name);
    return "(?::integer, ?::text)";
  });
  const stepInsert =
    stepRows.length > 0
      ? `, s as (insert into task_steps (task_id, idx, name, status, percent)
             select t.id, sv.idx, sv.name, 'pending', 0 from t cross join (values ${stepRows.join(", ")}) as sv(idx, name))`
      : "";
  params.push(first.kind, JSON.stringify(first), now.toISOString());
  const rows = await database.rawQuery(
    `with t as (${insert.sql})${stepInsert},
       e as (insert into task_events (task_id, seq, kind, data, at)
         select t.id, t.event_seq, ?::text, ?::jsonb, ?::timestamptz from t returning id)
       select t.*, e.id as "__event_id" from t cross join e`,
    params,
  );
  const row = rows[0];
  if (!row) return { task: await tasks.existingFor(database, input), created: false, event: null };
  const task = taskRowsOf(database).fromRow(row);
  const event = toEvent(
    {
      id: Number(row.__event_id),
      taskId: task.id,
      seq: task.eventSeq,
      at: now,
      data: first as Record<string, unknown>,
    },
    { type: task.type, entityId: task.entityId, status: task.status as TaskStatus },
  );
  return { task, created: true, event };
}
