import { and, asc, desc, eq, gt, lt, or, type SQL, sql } from "drizzle-orm";
import type { TaskEvent, TaskEventData } from "../../domain/model/events";
import { MAX_LOG_LINES_PER_TASK } from "../../domain/model/limits";
import type { TaskStatus } from "../../domain/model/task-status";
import { merged } from "../../platform/merged";
import type { Database } from "../client";
import { NotFoundError } from "../errors";
import { jsonArrayOf, namedPairs, parseJsonArray } from "../json-aggregate";
import { AT_MOST_ONE_ROW } from "../libsql-statement-cache";
import { type RawRows, rawRows } from "../raw-rows";
import type { TaskLogRow, TaskRow } from "../rows";
import {
  createJournalWriter,
  type JournalWrite,
  type JournalWriter,
  type WriteOutcome,
  writeBatch,
} from "./journal-writer";
import {
  eventsOfMove,
  PRUNE_EVERY,
  type RecordedCreate,
  type RecordedMove,
  recordCreatePg,
  recordMovePg,
  statusEventOf,
  toEvent,
} from "./recorded-writes";
import { stepUpdateSqlite } from "./step-rows";
import { createTasksStore, type NewTask, type TasksStore } from "./tasks-store";

export { MAX_LOG_LINES_PER_TASK };

/** What an events page reads with, built once per schema (stores are made per transaction). */
interface EventsRead {
  codec: RawRows<{ id: number; taskId: string; seq: number; at: Date; data: Record<string, unknown> }>;
  /** The page's JSON array, by the column it is ordered by, read from the subquery named "page". */
  texts: Record<"seq" | "id", string>;
}
const eventsReads = new WeakMap<object, EventsRead>();
function eventsReadOf(database: Database): EventsRead {
  const { taskEvents } = database.schema;
  let read = eventsReads.get(taskEvents);
  if (!read) {
    const pairs = namedPairs(["id", "task_id", "seq", "data", "at", "type", "entity_id", "status"], "page");
    const text = (order: "seq" | "id") => jsonArrayOf(database.dialect, pairs, `"page"."${order}"`);
    read = { codec: rawRows(taskEvents), texts: { seq: text("seq"), id: text("id") } };
    eventsReads.set(taskEvents, read);
  }
  return read;
}

/**
 * What insertIn needs of the task whose events it writes, with `seq` its event counter after them.
 * Four fields, not `{ ...task, seq }`: that literal got a new hidden class per call (platform/merged.ts).
 */
function headOf(task: TaskRow, seq: number) {
  return { seq, type: task.type, entityId: task.entityId, status: task.status };
}

export function createTaskEventsStore(database: Database) {
  const { db, schema } = database;
  type AppDb = Database["db"];
  const { tasks, taskEvents, taskLogs } = schema;
  let tasksOfThisDatabase: TasksStore | undefined;
  /** The tasks store over the same database (made on first use: most stores of a transaction never need it). */
  const tasksStore = () => (tasksOfThisDatabase ??= createTasksStore(database));
  /** An event time as the `at` column stores it. */
  const at = (date: Date) => taskEvents.at.mapToDriverValue(date);
  /**
   * Events with their task's type, entity and status, as one JSON array the database builds
   * (json-aggregate.ts): a replay page is up to hundreds of rows, and as rows each column of each
   * row cost @libsql/client an Object.defineProperty (a 27-event task: about 0.7 ms of CPU as rows,
   * 0.5 as an array, on SQLite).
   */
  async function eventsPage(where: SQL, order: "seq" | "id", limit: number): Promise<TaskEvent[]> {
    const page = db
      .select({
        id: taskEvents.id,
        taskId: taskEvents.taskId,
        seq: taskEvents.seq,
        data: taskEvents.data,
        at: taskEvents.at,
        type: tasks.type,
        entityId: tasks.entityId,
        status: tasks.status,
      })
      .from(taskEvents)
      .innerJoin(tasks, eq(tasks.id, taskEvents.taskId))
      .where(where)
      .orderBy(asc(order === "seq" ? taskEvents.seq : taskEvents.id))
      .limit(limit)
      .as("page");
    const read = eventsReadOf(database);
    const [aggregate] = await db.select({ rows: sql.raw(read.texts[order]) }).from(page);
    return parseJsonArray(aggregate?.rows).map((row) =>
      toEvent(read.codec.fromRow(row), {
        type: String(row.type),
        entityId: String(row.entity_id),
        status: row.status as TaskStatus,
      }),
    );
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
      `${values.length === 1 ? AT_MOST_ONE_ROW : ""}insert into task_events (task_id, seq, kind, data, at) values ${values.join(", ")} returning id, seq`,
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
      if (database.dialect === "postgres") return recordCreatePg(database, tasksStore(), input, now, first);
      return database.transaction(async (tx) => {
        const created = await createTasksStore(tx).create(merged(input, { eventsTaken: 1 }), now);
        if (!created.created) return { task: created.task, created: false, event: null };
        const [event] = await insertIn(tx, created.task.id, [first], headOf(created.task, 1), now);
        return { task: created.task, created: true, event: event ?? null };
      });
    },

    /**
     * Moves a task as tasks.transition does and records `events`, its status event (statusEventOf)
     * and `after` with it, and the step rows of `steps`, atomically, in the caller's transaction when
     * there is one (PostgreSQL: one statement, so a move with nothing else to write needs no
     * transaction at all). With `unlessCancelled`, a task with a cancel requested is not moved
     * (CancelRequestedError).
     */
    async recordMove(move: RecordedMove): Promise<{ task: TaskRow; events: TaskEvent[] }> {
      if (database.dialect === "postgres")
        return recordMovePg(database, tasksStore(), move, (taskId) => prune(db, taskId));
      const ordered = eventsOfMove(move);
      return database.transaction(async (tx) => {
        const task = await createTasksStore(tx).transition(
          move.id,
          move.to,
          move.patch,
          move.now,
          move.from,
          move.lease,
          ordered.length,
          move.unlessCancelled,
        );
        const steps = move.steps ?? [];
        if (steps.length > 0) {
          const update = stepUpdateSqlite(steps.map((step) => ({ taskId: task.id, ...step })));
          await tx.rawQuery(update.sql, update.params);
        }
        const datas = ordered.map((data) => data ?? statusEventOf(move.to, task));
        const events = await insertIn(tx, task.id, datas, headOf(task, task.eventSeq), move.now);
        return { task, events };
      });
    },

    /** Events of one task after `afterSeq`, in order (resume of a task stream). */
    async listForTask(taskId: string, afterSeq = 0, limit = 1000): Promise<TaskEvent[]> {
      return eventsPage(
        and(eq(taskEvents.taskId, taskId), gt(taskEvents.seq, afterSeq)) as SQL,
        "seq",
        limit,
      );
    },

    /**
     * The events that tell a task's attempts apart: status changes and the runner's "Attempt N of M"
     * log lines (a retry after backoff keeps the status running), oldest first.
     */
    async attemptEvents(taskId: string, limit = 2000): Promise<TaskEvent[]> {
      const attempts = and(
        eq(taskEvents.taskId, taskId),
        or(
          eq(taskEvents.kind, "status"),
          and(eq(taskEvents.kind, "log"), sql`cast(${taskEvents.data} as text) like '%Attempt %'`),
        ),
      ) as SQL;
      return eventsPage(attempts, "seq", limit);
    },

    /** Events of all tasks after the global id `afterId` (resume of the dashboard stream). */
    async listSince(afterId: number, limit = 500): Promise<TaskEvent[]> {
      return eventsPage(gt(taskEvents.id, afterId), "id", limit);
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
