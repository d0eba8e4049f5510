import { and, asc, desc, eq, gt, lt, or, sql } from "drizzle-orm";
import type { TaskEvent, TaskEventData } from "../../domain/model/events";
import { MAX_LOG_LINES_PER_TASK } from "../../domain/model/limits";
import type { TaskStatus } from "../../domain/model/task-status";
import { stepsOf } from "../../domain/model/task-types";
import type { Database } from "../client";
import { NotFoundError } from "../errors";
import type { TaskLogRow, TaskRow } from "../rows";
import {
  createJournalWriter,
  type JournalWrite,
  type JournalWriter,
  type WriteOutcome,
  writeBatch,
} from "./journal-writer";
import { createTasksStore, type NewTask, type TaskPatch, taskRowsOf } from "./tasks-store";

export { MAX_LOG_LINES_PER_TASK };

const PRUNE_EVERY = 25;

export function createTaskEventsStore(database: Database) {
  const { db, schema } = database;
  type AppDb = Database["db"];
  const { tasks, taskEvents, taskLogs } = schema;
  let tasks_: ReturnType<typeof createTasksStore> | undefined;
  /** The tasks store over the same database (made on first use: most stores of a transaction never need it). */
  const tasksStore = () => (tasks_ ??= createTasksStore(database));
  /** An event time as the `at` column stores it. */
  const at = (date: Date) => taskEvents.at.mapToDriverValue(date);

  function toEvent(
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

  async function prune(db: AppDb, taskId: string): Promise<void> {
    const cutoff = await db
      .select({ seq: taskLogs.seq })
      .from(taskLogs)
      .where(eq(taskLogs.taskId, taskId))
      .orderBy(sql`${taskLogs.seq} desc`)
      .limit(1)
      .offset(MAX_LOG_LINES_PER_TASK - 1);
    const oldestKept = cutoff[0]?.seq;
    if (oldestKept === undefined) return;
    await db.delete(taskLogs).where(and(eq(taskLogs.taskId, taskId), lt(taskLogs.seq, oldestKept)));
    await db
      .delete(taskEvents)
      .where(and(eq(taskEvents.taskId, taskId), eq(taskEvents.kind, "log"), lt(taskEvents.seq, oldestKept)));
  }

  async function appendIn(
    tx: Database,
    taskId: string,
    datas: readonly TaskEventData[],
    now: Date,
  ): Promise<TaskEvent[]> {
    const bumped = await tx.db
      .update(tasks)
      .set({ eventSeq: sql`${tasks.eventSeq} + ${datas.length}`, updatedAt: now })
      .where(eq(tasks.id, taskId))
      .returning({ seq: tasks.eventSeq, type: tasks.type, entityId: tasks.entityId, status: tasks.status });
    const head = bumped[0];
    if (!head) throw new NotFoundError("task_not_found", `No task has the id ${taskId}`);
    return insertIn(tx, taskId, datas, head, now);
  }

  /** Inserts events whose sequence numbers were taken already (the last one is `head.seq`). */
  async function insertIn(
    tx: Database,
    taskId: string,
    datas: readonly TaskEventData[],
    head: { seq: number; type: string; entityId: string; status: string },
    now: Date,
  ): Promise<TaskEvent[]> {
    const first = head.seq - datas.length + 1;
    // Raw SQL on the transaction's driver (see db/raw-rows.ts): the status event of every start and
    // finish goes through here, and the builder rebuilt this insert each time.
    const params: unknown[] = [];
    const values = datas.map((data, k) => {
      params.push(taskId, first + k, data.kind, JSON.stringify(data), at(now));
      return "(?, ?, ?, ?, ?)";
    });
    const returned = await tx.rawQuery(
      `insert into task_events (task_id, seq, kind, data, at) values ${values.join(", ")} returning id, seq`,
      params,
    );
    const ids = new Map(returned.map((row) => [Number(row.seq), Number(row.id)]));
    const inserted = datas.map((data, k) => ({
      id: ids.get(first + k) ?? 0,
      taskId,
      seq: first + k,
      at: now,
      data: data as Record<string, unknown>,
    }));
    const logs = datas.flatMap((data, k) =>
      data.kind === "log"
        ? [
            {
              taskId,
              seq: first + k,
              at: now,
              level: data.level,
              step: data.step ?? null,
              message: data.message,
            },
          ]
        : [],
    );
    if (logs.length > 0) {
      await tx.db.insert(taskLogs).values(logs);
      if (logs.some((log) => log.seq % PRUNE_EVERY === 0)) await prune(tx.db, taskId);
    }
    const task = { type: head.type, entityId: head.entityId, status: head.status as TaskStatus };
    return inserted.map((row) => toEvent(row, task));
  }

  /**
   * PostgreSQL: the move and its events as one statement of data-modifying CTEs (atomic by itself),
   * one round trip instead of four (begin, update, insert, commit). The status event is built from
   * the moved row as statusEventOf builds it (the store contract compares what this returns with
   * what a reader lists).
   */
  async function recordMovePg(move: RecordedMove): Promise<{ task: TaskRow; events: TaskEvent[] }> {
    const { sql: update, params } = tasksStore().transitionSql(
      move.id,
      move.to,
      move.patch,
      move.now,
      move.from,
      move.lease ?? null,
      move.events.length + 1,
    );
    const at = move.now.toISOString();
    const rows = move.events.map((data, k) => {
      params.push(move.events.length - k, data.kind, JSON.stringify(data), at);
      return "(?::integer, ?::text, ?::jsonb, ?::timestamptz)";
    });
    params.push(move.to, at);
    const statusData = `jsonb_build_object('kind', 'status', 'status', ?::text, 'attempts', t.attempts,
      'error', case when t.error is null or jsonb_typeof(t.error) = 'null' then null
        else jsonb_build_object('code', t.error->'code', 'message', t.error->'message') end)`;
    const before =
      rows.length > 0
        ? `select t.id, t.event_seq - ev.back, ev.kind, ev.data, ev.at
             from t cross join (values ${rows.join(", ")}) as ev(back, kind, data, at) union all `
        : "";
    // Log events also write their log line (as insertIn does).
    const logs = move.events.flatMap((data, k) =>
      data.kind === "log" ? [{ data, back: move.events.length - k }] : [],
    );
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
    const result = await database.rawQuery(
      `with t as (${update}),
       e as (insert into task_events (task_id, seq, kind, data, at)
         ${before}select t.id, t.event_seq, 'status', ${statusData}, ?::timestamptz from t
         returning id, seq)${logInsert}
       select t.*, e.id as "__event_id", e.seq as "__event_seq" from t cross join e order by e.seq`,
      params,
    );
    const first = result[0];
    if (!first) return tasksStore().explainRefusedMove(move.id, move.to, move.lease ?? null);
    const task = taskRowsOf(database).fromRow(first);
    const seqOf = (back: number) => task.eventSeq - back;
    if (logs.some(({ back }) => seqOf(back) % PRUNE_EVERY === 0)) await prune(db, task.id);
    const datas = [...move.events, statusEventOf(move.to, task)];
    const head = { type: task.type, entityId: task.entityId, status: task.status as TaskStatus };
    const events = datas.map((data, k) =>
      toEvent(
        {
          id: Number(result[k]?.__event_id ?? 0),
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
  async function recordCreatePg(input: NewTask, now: Date, first: TaskEventData): Promise<RecordedCreate> {
    const insert = tasksStore().insertSql({ ...input, eventsTaken: 1 }, now);
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
    if (!row) return { task: await tasksStore().existingFor(database, input), created: false, event: null };
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

  let writer: JournalWriter | null = null;

  return {
    /**
     * Persists one event with the task's next sequence number and, for log events, the log line itself,
     * in one transaction (or the caller's). The sequence number is taken by updating the task row, whose
     * lock is held until commit: events of one task commit in sequence order, so a reader that has seen
     * event N+1 has been able to see event N. Returns the event ready to publish.
     */
    async append(taskId: string, data: TaskEventData, now = new Date()): Promise<TaskEvent> {
      const [event] = await database.transaction((tx) => appendIn(tx, taskId, [data], now));
      if (!event) throw new Error("task event insert returned no row");
      return event;
    },

    /** Like `append` for several events of one task, in order, with one counter bump and one insert. */
    appendMany(taskId: string, datas: readonly TaskEventData[], now = new Date()): Promise<TaskEvent[]> {
      if (datas.length === 0) return Promise.resolve([]);
      return database.transaction((tx) => appendIn(tx, taskId, datas, now));
    },

    /**
     * The journal's hot path: a task's events with its step row and saved state, behind its lease
     * (see JournalWrite). Outside a transaction, writes of concurrent tasks commit together (group
     * commit, db/stores/journal-writer.ts); inside one, it joins it. Throws LeaseLostError or
     * NotFoundError when refused.
     */
    async write(write: JournalWrite): Promise<WriteOutcome> {
      if (!database.inTransaction) {
        writer ??= createJournalWriter(database);
        return writer.write(write);
      }
      const [outcome] = await database.rawTransaction((run) => writeBatch(run, database.dialect, [write]));
      if (outcome instanceof Error) throw outcome;
      if (!outcome) throw new Error("journal write lost its outcome");
      return outcome;
    },

    /**
     * Creates a queued task with its steps (tasks.create) and records its first event, atomically; with
     * a taken idempotency key, the task holding it (`created` false, no event).
     */
    async recordCreate(input: NewTask, now: Date, first: TaskEventData): Promise<RecordedCreate> {
      if (database.dialect === "postgres") return recordCreatePg(input, now, first);
      return database.transaction(async (tx) => {
        const created = await createTasksStore(tx).create({ ...input, eventsTaken: 1 }, now);
        if (!created.created) return { ...created, event: null };
        const [event] = await insertIn(tx, created.task.id, [first], { ...created.task, seq: 1 }, now);
        return { ...created, event: event ?? null };
      });
    },

    /**
     * Moves a task as tasks.transition does and records `events` and then its status event
     * (statusEventOf) with it, atomically: for a move with nothing else to write in its transaction.
     */
    async recordMove(move: RecordedMove): Promise<{ task: TaskRow; events: TaskEvent[] }> {
      if (database.dialect === "postgres") return recordMovePg(move);
      return database.transaction(async (tx) => {
        const task = await createTasksStore(tx).transition(
          move.id,
          move.to,
          move.patch,
          move.now,
          move.from,
          move.lease,
          move.events.length + 1,
        );
        const datas = [...move.events, statusEventOf(move.to, task)];
        const events = await insertIn(tx, task.id, datas, { ...task, seq: task.eventSeq }, move.now);
        return { task, events };
      });
    },

    /** Events of one task after `afterSeq`, in order (resume of a task stream). */
    async listForTask(taskId: string, afterSeq = 0, limit = 1000): Promise<TaskEvent[]> {
      const rows = await db
        .select({ e: taskEvents, type: tasks.type, entityId: tasks.entityId, status: tasks.status })
        .from(taskEvents)
        .innerJoin(tasks, eq(tasks.id, taskEvents.taskId))
        .where(and(eq(taskEvents.taskId, taskId), gt(taskEvents.seq, afterSeq)))
        .orderBy(asc(taskEvents.seq))
        .limit(limit);
      return rows.map((r) =>
        toEvent(r.e, { type: r.type, entityId: r.entityId, status: r.status as TaskStatus }),
      );
    },

    /**
     * The events that tell a task's attempts apart: status changes and the runner's "Attempt N of M"
     * log lines (a retry after backoff keeps the status running), oldest first.
     */
    async attemptEvents(taskId: string, limit = 2000): Promise<TaskEvent[]> {
      const rows = await db
        .select({ e: taskEvents, type: tasks.type, entityId: tasks.entityId, status: tasks.status })
        .from(taskEvents)
        .innerJoin(tasks, eq(tasks.id, taskEvents.taskId))
        .where(
          and(
            eq(taskEvents.taskId, taskId),
            or(
              eq(taskEvents.kind, "status"),
              and(eq(taskEvents.kind, "log"), sql`cast(${taskEvents.data} as text) like '%Attempt %'`),
            ),
          ),
        )
        .orderBy(asc(taskEvents.seq))
        .limit(limit);
      return rows.map((r) =>
        toEvent(r.e, { type: r.type, entityId: r.entityId, status: r.status as TaskStatus }),
      );
    },

    /** Events of all tasks after the global id `afterId` (resume of the dashboard stream). */
    async listSince(afterId: number, limit = 500): Promise<TaskEvent[]> {
      const rows = await db
        .select({ e: taskEvents, type: tasks.type, entityId: tasks.entityId, status: tasks.status })
        .from(taskEvents)
        .innerJoin(tasks, eq(tasks.id, taskEvents.taskId))
        .where(gt(taskEvents.id, afterId))
        .orderBy(asc(taskEvents.id))
        .limit(limit);
      return rows.map((r) =>
        toEvent(r.e, { type: r.type, entityId: r.entityId, status: r.status as TaskStatus }),
      );
    },

    async latestId(): Promise<number> {
      const rows = await db.select({ id: sql<number>`coalesce(max(${taskEvents.id}), 0)` }).from(taskEvents);
      return Number(rows[0]?.id ?? 0);
    },

    /** Log lines after `afterSeq` in order; without it, the latest `limit` lines in order. */
    async logs(taskId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<TaskLogRow[]> {
      const limit = Math.min(options.limit ?? MAX_LOG_LINES_PER_TASK, MAX_LOG_LINES_PER_TASK);
      if (options.afterSeq === undefined) {
        const latest = await db
          .select()
          .from(taskLogs)
          .where(eq(taskLogs.taskId, taskId))
          .orderBy(desc(taskLogs.seq))
          .limit(limit);
        return latest.reverse();
      }
      return db
        .select()
        .from(taskLogs)
        .where(and(eq(taskLogs.taskId, taskId), gt(taskLogs.seq, options.afterSeq)))
        .orderBy(asc(taskLogs.seq))
        .limit(limit);
    },
  };
}

export type TaskEventsStore = ReturnType<typeof createTaskEventsStore>;

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
