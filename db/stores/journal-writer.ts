import type { TaskEvent, TaskEventData } from "../../domain/model/events";
import { MAX_LOG_LINES_PER_TASK } from "../../domain/model/limits";
import type { TaskStatus } from "../../domain/model/task-status";
import type { Database, Dialect, RawRun } from "../client";
import { LeaseLostError, NotFoundError } from "../errors";
import { PRUNE_EVERY } from "./recorded-writes";
import { stepUpdateCtesPg, stepUpdateSqlite } from "./step-rows";
import type { StepPatch } from "./tasks-store";

/** One journal write of one task: its events, with the step rows and saved state they go with. */
export interface JournalWrite {
  taskId: string;
  /** Written only while this lease (fencing token) holds the task; LeaseLostError otherwise. */
  lease: string | null;
  /** Nothing is written when a cancel was requested for the task; the outcome says so. */
  unlessCancelled?: boolean;
  /** Step rows to change (distinct indexes), e.g. one step succeeded and the next one running. */
  steps?: readonly { index: number; patch: StepPatch }[];
  /** The task's saved state (its `result`); undefined leaves it as it is. */
  result?: Record<string, unknown> | null;
  events: readonly TaskEventData[];
  at: Date;
}

export interface WriteOutcome {
  /** The stored events, ready to publish (none when refused). */
  events: TaskEvent[];
  /** True when nothing was written because a cancel was requested (`unlessCancelled`). */
  cancelRequested: boolean;
}

/** Rows per batch: far below the bound-parameter limits of both dialects (12 per step row). */
const MAX_BATCH = 64;

/**
 * Group commit of journal writes: writes that arrive while a batch is being written wait and then go
 * together, in one transaction of a few multi-row statements (one UPDATE of the task rows that
 * checks every lease and bumps every event counter, one of the step rows, one INSERT of the events,
 * one of the log lines), whatever the number of tasks. Every caller still awaits the commit of its
 * own write, and a write refused for its task (lease lost, cancel requested, no such task) is
 * refused alone: its refusal is decided by the first statement, before anything of it is written.
 * A batch that fails as a whole for any other reason is written again one write per transaction,
 * so one bad write cannot fail the others; a failed COMMIT fails every write of its batch (their
 * fate is unknown, as it would be for a single write).
 */
export function createJournalWriter(database: Database) {
  const dialect = database.dialect;
  /** SQLite has one writer; PostgreSQL runs a second batch while the first commits. */
  const maxParallel = dialect === "postgres" ? 2 : 1;
  interface Entry {
    write: JournalWrite;
    resolve: (outcome: WriteOutcome) => void;
    reject: (error: unknown) => void;
  }
  let pending: Entry[] = [];
  let running = 0;
  /** Tasks with a write in a running batch: their next write waits for it (one order per task). */
  const busy = new Set<string>();

  function take(): Entry[] {
    const batch: Entry[] = [];
    const rest: Entry[] = [];
    const seen = new Set<string>();
    for (const entry of pending) {
      const id = entry.write.taskId;
      if (batch.length < MAX_BATCH && !busy.has(id) && !seen.has(id)) batch.push(entry);
      else rest.push(entry);
      seen.add(id);
    }
    pending = rest;
    return batch;
  }

  function kick(): void {
    while (running < maxParallel && pending.length > 0) {
      const batch = take();
      if (batch.length === 0) return;
      running++;
      for (const entry of batch) busy.add(entry.write.taskId);
      void runBatch(batch).finally(() => {
        running--;
        for (const entry of batch) busy.delete(entry.write.taskId);
        kick();
      });
    }
  }

  /**
   * SQLite: a transaction of a few statements. PostgreSQL: one statement of data-modifying CTEs,
   * atomic on its own, so a batch is one round trip instead of six (the profile of the PostgreSQL
   * run showed socket writes, one per query, as the largest cost after waiting).
   */
  async function writeInOne(
    writes: readonly JournalWrite[],
    onWritten: () => void,
  ): Promise<(WriteOutcome | Error)[]> {
    if (dialect === "postgres") return writeBatch(database.rawQuery, dialect, writes);
    return database.rawTransaction(async (run) => {
      const result = await writeBatch(run, dialect, writes);
      onWritten();
      return result;
    });
  }

  async function runBatch(batch: Entry[]): Promise<void> {
    let written = false;
    let outcomes: (WriteOutcome | Error)[];
    try {
      outcomes = await writeInOne(
        batch.map((e) => e.write),
        () => {
          written = true;
        },
      );
    } catch (error) {
      // PostgreSQL: one statement; an error without a SQLSTATE (connection lost) leaves its fate unknown.
      const unknown = dialect === "postgres" && !isServerError(error);
      if (written || unknown || batch.length === 1) {
        for (const entry of batch) entry.reject(error);
        return;
      }
      // Nothing of the batch committed: each write again on its own.
      await Promise.all(
        batch.map(async (entry) => {
          try {
            const [one] = await writeInOne([entry.write], () => {});
            settle(entry, one);
          } catch (inner) {
            entry.reject(inner);
          }
        }),
      );
      return;
    }
    batch.forEach((entry, i) => {
      settle(entry, outcomes[i]);
    });
  }

  function settle(entry: Entry, outcome: WriteOutcome | Error | undefined): void {
    if (outcome instanceof Error) entry.reject(outcome);
    else if (outcome) entry.resolve(outcome);
    else entry.reject(new Error("journal write lost its outcome"));
  }

  return {
    /** Stores one write, grouped with the writes of other tasks that arrive meanwhile; resolves once committed. */
    write(write: JournalWrite): Promise<WriteOutcome> {
      return new Promise((resolve, reject) => {
        pending.push({ write, resolve, reject });
        kick();
      });
    },
  };
}

export type JournalWriter = ReturnType<typeof createJournalWriter>;

const jsonOrNull = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));

/** A write's row of the task-update VALUES list: id, lease, n, at, unless_cancelled, set_result, result. */
function taskRowParams(w: JournalWrite): unknown[] {
  return [
    w.taskId,
    w.lease,
    w.events.length,
    w.at,
    w.unlessCancelled === true,
    w.result !== undefined,
    jsonOrNull(w.result),
  ];
}

function isServerError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}

/**
 * Writes of distinct tasks; a refused write comes back as its error. SQLite: several statements,
 * in the open transaction `run`. PostgreSQL: one statement, atomic by itself.
 */
export async function writeBatch(
  run: RawRun,
  dialect: Dialect,
  writes: readonly JournalWrite[],
): Promise<(WriteOutcome | Error)[]> {
  if (dialect === "postgres") return writeBatchPg(run, writes);

  // 1. Lease check, cancel check, event counters and saved state of every task at once.
  const taskParams: unknown[] = [];
  const taskRows = writes.map((w) => {
    taskParams.push(...taskRowParams(w));
    return "(?, ?, ?, ?, ?, ?, ?)";
  });
  const bumped = await run(
    `with v(id, lease, n, at, unless_cancelled, set_result, result) as (values ${taskRows.join(", ")})
     update tasks set event_seq = tasks.event_seq + v.n, updated_at = v.at,
       result = case when v.set_result then v.result else tasks.result end
     from v where tasks.id = v.id and (v.lease is null or tasks.lease_token = v.lease)
       and (not v.unless_cancelled or not tasks.cancel_requested)
     returning tasks.id as id, tasks.event_seq as seq, tasks.type as type, tasks.entity_id as entity_id,
       tasks.status as status`,
    taskParams,
  );
  const heads = new Map(bumped.map((row) => [String(row.id), row]));

  const outcomes = await whyRefused(run, writes, heads);
  const accepted = writes.filter((w) => heads.has(w.taskId));

  // 2. Step rows.
  const steps = accepted.flatMap((w) => (w.steps ?? []).map((step) => ({ taskId: w.taskId, ...step })));
  if (steps.length > 0) {
    const update = stepUpdateSqlite(steps);
    await run(update.sql, update.params);
  }

  // 3. Events, with the sequence numbers the counters were bumped to.
  const eventParams: unknown[] = [];
  const eventRows: string[] = [];
  const logParams: unknown[] = [];
  const logRows: string[] = [];
  const toPrune: string[] = [];
  for (const w of accepted) {
    const head = heads.get(w.taskId);
    const last = Number(head?.seq);
    const first = last - w.events.length + 1;
    let prune = false;
    w.events.forEach((data, k) => {
      const seq = first + k;
      eventParams.push(w.taskId, seq, data.kind, JSON.stringify(data), w.at);
      eventRows.push(`(?, ?, ?, ?, ?)`);
      if (data.kind === "log") {
        logParams.push(w.taskId, seq, w.at, data.level, data.step ?? null, data.message);
        logRows.push(`(?, ?, ?, ?, ?, ?)`);
        if (seq % PRUNE_EVERY === 0) prune = true;
      }
    });
    if (prune) toPrune.push(w.taskId);
  }
  const ids = new Map<string, number>();
  if (eventRows.length > 0) {
    const inserted = await run(
      `insert into task_events (task_id, seq, kind, data, at) values ${eventRows.join(", ")}
       returning id, task_id, seq`,
      eventParams,
    );
    for (const row of inserted) ids.set(`${row.task_id}:${row.seq}`, Number(row.id));
  }
  if (logRows.length > 0) {
    await run(
      `insert into task_logs (task_id, seq, at, level, step, message) values ${logRows.join(", ")}`,
      logParams,
    );
  }
  for (const taskId of toPrune) await pruneLogs(run, taskId);
  return outcomesOf(writes, outcomes, heads, ids);
}

/** Why the writes the task update did not take were refused (null for the ones it took). */
async function whyRefused(
  run: RawRun,
  writes: readonly JournalWrite[],
  heads: ReadonlyMap<string, unknown>,
): Promise<(WriteOutcome | Error | null)[]> {
  const outcomes: (WriteOutcome | Error | null)[] = writes.map(() => null);
  const refused = writes.filter((w) => !heads.has(w.taskId));
  if (refused.length === 0) return outcomes;
  const rows = await run(
    `select id, lease_token, cancel_requested from tasks where id in (${refused.map(() => "?").join(", ")})`,
    refused.map((w) => w.taskId),
  );
  const found = new Map(rows.map((row) => [String(row.id), row]));
  writes.forEach((w, i) => {
    if (heads.has(w.taskId)) return;
    const row = found.get(w.taskId);
    if (!row) outcomes[i] = new NotFoundError("task_not_found", `No task has the id ${w.taskId}`);
    else if (w.lease && row.lease_token !== w.lease) outcomes[i] = new LeaseLostError(w.taskId);
    else if (w.unlessCancelled && row.cancel_requested) outcomes[i] = { events: [], cancelRequested: true };
    // Read after the write was refused (PostgreSQL): the task changed in between; the caller retries.
    else outcomes[i] = new Error(`journal write for task ${w.taskId} refused; try again`);
  });
  return outcomes;
}

/** The outcome of every write: its refusal, or its events with the ids the insert returned. */
function outcomesOf(
  writes: readonly JournalWrite[],
  decided: readonly (WriteOutcome | Error | null)[],
  heads: ReadonlyMap<string, Record<string, unknown>>,
  ids: ReadonlyMap<string, number>,
): (WriteOutcome | Error)[] {
  return writes.map((w, i) => {
    const refusal = decided[i];
    if (refusal) return refusal;
    const head = heads.get(w.taskId);
    const task = {
      type: String(head?.type),
      entityId: String(head?.entity_id),
      status: String(head?.status) as TaskStatus,
    };
    const first = Number(head?.seq) - w.events.length + 1;
    const at = w.at.toISOString();
    return {
      cancelRequested: false,
      events: w.events.map((data, k) => ({
        id: ids.get(`${w.taskId}:${first + k}`) ?? 0,
        taskId: w.taskId,
        seq: first + k,
        at,
        task,
        data,
      })),
    };
  });
}

/**
 * The PostgreSQL batch: one statement. The task update decides which writes are taken (lease,
 * cancel flag) and bumps their counters; the step update and the inserts join its RETURNING, so a
 * refused write changes nothing, and the whole statement commits or fails as one.
 */
async function writeBatchPg(run: RawRun, writes: readonly JournalWrite[]): Promise<(WriteOutcome | Error)[]> {
  // Parameters in the order their placeholders appear in the text.
  const params: unknown[] = [];
  const taskRows = writes.map((w) => {
    params.push(...taskRowParams(w));
    return "(?::text, ?::text, ?::integer, ?::timestamptz, ?::boolean, ?::boolean, ?::jsonb)";
  });
  const ctes = [
    `v(id, lease, n, at, unless_cancelled, set_result, result) as (values ${taskRows.join(", ")})`,
    `t as (update tasks set event_seq = tasks.event_seq + v.n, updated_at = v.at,
       result = case when v.set_result then v.result else tasks.result end
     from v where tasks.id = v.id and (v.lease is null or tasks.lease_token = v.lease)
       and (not v.unless_cancelled or not tasks.cancel_requested)
     returning tasks.id, tasks.event_seq, tasks.type, tasks.entity_id, tasks.status)`,
  ];
  const steps = writes.flatMap((w) => (w.steps ?? []).map((step) => ({ taskId: w.taskId, ...step })));
  if (steps.length > 0) ctes.push(...stepUpdateCtesPg(steps, params));
  // Events by their distance (`back`) from the last sequence number the task update took.
  const events = writes.flatMap((w) =>
    w.events.map((data, k) => ({ w, data, back: w.events.length - 1 - k })),
  );
  if (events.length > 0) {
    const rows = events.map(({ w, data, back }) => {
      params.push(w.taskId, back, data.kind, JSON.stringify(data), w.at);
      return "(?::text, ?::integer, ?::text, ?::jsonb, ?::timestamptz)";
    });
    ctes.push(
      `ev(task_id, back, kind, data, at) as (values ${rows.join(", ")})`,
      `e as (insert into task_events (task_id, seq, kind, data, at)
       select ev.task_id, t.event_seq - ev.back, ev.kind, ev.data, ev.at from ev join t on t.id = ev.task_id
       returning id, task_id, seq)`,
    );
  }
  const logs = events.flatMap((event) => (event.data.kind === "log" ? [{ ...event, log: event.data }] : []));
  if (logs.length > 0) {
    const rows = logs.map(({ w, log, back }) => {
      params.push(w.taskId, back, w.at, log.level, log.step ?? null, log.message);
      return "(?::text, ?::integer, ?::timestamptz, ?::text, ?::text, ?::text)";
    });
    ctes.push(
      `lv(task_id, back, at, level, step, message) as (values ${rows.join(", ")})`,
      `l as (insert into task_logs (task_id, seq, at, level, step, message)
       select lv.task_id, t.event_seq - lv.back, lv.at, lv.level, lv.step, lv.message
       from lv join t on t.id = lv.task_id returning 1)`,
    );
  }
  const rows = await run(
    `with ${ctes.join(",\n")}
     select 't' as part, t.id as task_id, t.event_seq as seq, t.type, t.entity_id, t.status,
       null::bigint as event_id from t
     ${events.length > 0 ? "union all select 'e', e.task_id, e.seq, null, null, null, e.id from e" : ""}`,
    params,
  );
  const heads = new Map<string, Record<string, unknown>>();
  const ids = new Map<string, number>();
  for (const row of rows) {
    if (row.part === "t") heads.set(String(row.task_id), row);
    else ids.set(`${row.task_id}:${row.seq}`, Number(row.event_id));
  }
  const decided = await whyRefused(run, writes, heads);
  // Pruning old log lines may come after the commit: it only removes lines past the kept window.
  const pruned = new Set<string>();
  for (const { w, back } of logs) {
    const head = heads.get(w.taskId);
    if (!head || pruned.has(w.taskId) || (Number(head.seq) - back) % PRUNE_EVERY !== 0) continue;
    pruned.add(w.taskId);
    await pruneLogs(run, w.taskId);
  }
  return outcomesOf(writes, decided, heads, ids);
}

/** Keeps the last MAX_LOG_LINES_PER_TASK log lines (and their events) of a task. */
async function pruneLogs(run: RawRun, taskId: string): Promise<void> {
  const cutoff = await run("select seq from task_logs where task_id = ? order by seq desc limit 1 offset ?", [
    taskId,
    MAX_LOG_LINES_PER_TASK - 1,
  ]);
  const oldestKept = cutoff[0]?.seq;
  if (oldestKept === undefined) return;
  await run("delete from task_logs where task_id = ? and seq < ?", [taskId, oldestKept]);
  await run("delete from task_events where task_id = ? and kind = 'log' and seq < ?", [taskId, oldestKept]);
}
