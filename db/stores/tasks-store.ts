import { and, asc, desc, eq, inArray, isNull, lt, type SQL, sql } from "drizzle-orm";
import { newId } from "../../domain/model/ids";
import { MAX_PAGE_SIZE } from "../../domain/model/limits";
import {
  IllegalTransitionError,
  isTaskStatus,
  sourcesOf,
  type TaskStatus,
} from "../../domain/model/task-status";
import { type StepStatus, stepsOf, type TaskSource, type TaskType } from "../../domain/model/task-types";
import type { Database } from "../client";
import { CancelRequestedError, ConflictError, LeaseLostError, NotFoundError } from "../errors";
import { jsonArrayOf, jsonObjectOf, jsonPairs, parseJsonArray, parseJsonObject } from "../json-aggregate";
import { AT_MOST_ONE_ROW } from "../libsql-statement-cache";
import { prepared } from "../prepared-statements";
import { type RawRows, rawRows } from "../raw-rows";
import type { Page, TaskDetail, TaskRow, TaskStepRow } from "../rows";
import { afterCursor, decodeCursor, encodeCursor } from "./cursor";
import { readTaskDetail } from "./task-detail-read";

export interface NewTask {
  type: TaskType;
  entityId: string;
  payload: Record<string, unknown>;
  requestedBy: string;
  source: TaskSource;
  projectId?: string | null;
  correlationId?: string;
  /** W3C traceparent of the request that created the task. */
  traceContext?: string | null;
  idempotencyKey?: string | null;
  maxAttempts?: number;
  /**
   * Event sequence numbers taken at creation (the row's `eventSeq`): the caller inserts that many
   * first events in the same transaction, without a counter update (see taskEvents.recordCreate).
   */
  eventsTaken?: number;
}

export interface TaskFilter {
  status?: TaskStatus;
  type?: string;
  entityId?: string;
  /** Free text: a task id, type, entity id or name (`shop/prod`), requester, or a payload value (template). */
  q?: string;
  limit?: number;
  cursor?: string | null;
}

/** `%text%` for LIKE with the wildcards of the text itself escaped (ESCAPE '\\'). */
function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export type TaskPatch = Partial<
  Pick<
    TaskRow,
    | "result"
    | "error"
    | "attempts"
    | "maxAttempts"
    | "startedAt"
    | "finishedAt"
    | "cancelRequested"
    | "leaseToken"
    | "leaseExpiresAt"
    | "traceContext"
    | "approval"
  >
>;

export type StepPatch = Partial<
  Pick<TaskStepRow, "status" | "percent" | "message" | "startedAt" | "finishedAt">
>;

export { MAX_PAGE_SIZE };

/** The tasks table's raw-row codec per dialect (the schemas differ, the column names do not). */
const codecs = new WeakMap<object, RawRows<TaskRow>>();
export function taskRowsOf(database: Database): RawRows<TaskRow> {
  let codec = codecs.get(database.schema.tasks);
  if (!codec) {
    codec = rawRows<TaskRow>(database.schema.tasks);
    codecs.set(database.schema.tasks, codec);
  }
  return codec;
}

/** Texts of the conditional move by dialect and shape (see transitionSql); a handful in practice. */
const transitionTexts = new Map<string, string>();
/** The text of a new task's insert by dialect (its columns are always the same). */
const insertTexts = new Map<string, string>();

export function createTasksStore(database: Database) {
  const { db, schema } = database;
  const { tasks, taskSteps } = schema;
  const taskRows = taskRowsOf(database);
  /**
   * What the task's insert and conditional move return. SQLite: the row as one JSON object, since
   * @libsql/client gives a returned row two Object.defineProperty calls per column (rowFromSql, 4% of
   * the end-to-end profile for three 26-column rows a task). PostgreSQL: the columns, which the
   * one-statement writes of recorded-writes.ts read by name in their CTEs.
   */
  const returning =
    database.dialect === "sqlite"
      ? `${jsonObjectOf(database.dialect, jsonPairs(tasks))} as "task_json"`
      : taskRows.columnList;
  const returnedTask = (row: Record<string, unknown>): TaskRow =>
    row.task_json === undefined
      ? taskRows.fromRow(row)
      : taskRows.fromRow(parseJsonObject(row.task_json) ?? {});
  /** A list page's rows as a JSON array, newest first (read from the subquery named "page"). */
  let pageJsonText: string | undefined;
  const pageJson = () =>
    (pageJsonText ??= jsonArrayOf(
      database.dialect,
      jsonPairs(tasks, "page"),
      `"page"."created_at" desc, "page"."id" desc`,
    ));

  async function get(id: string): Promise<TaskRow | null> {
    const statement = prepared(database, "task_by_id", (db) =>
      db
        .select()
        .from(tasks)
        .where(eq(tasks.id, sql.placeholder("id")))
        .limit(1),
    );
    const rows = await statement.execute({ id });
    return rows[0] ?? null;
  }

  // One expression for both dialects: `||`, lower(), LIKE … ESCAPE and cast(… as text) mean the same
  // in SQLite and PostgreSQL. Entity names are `project/environment` of the environment a task targets.
  function textMatches(text: string): SQL {
    const pattern = containsPattern(text);
    const { environments, projects } = schema;
    const like = (column: SQL) => sql`lower(${column}) like ${pattern} escape '\\'`;
    return sql`(${like(sql`${tasks.id}`)} or ${like(sql`${tasks.type}`)} or ${like(sql`${tasks.entityId}`)}
      or ${like(sql`${tasks.requestedBy}`)} or ${like(sql`cast(${tasks.payload} as text)`)}
      or ${tasks.entityId} in (select ${environments.id} from ${environments}
        join ${projects} on ${projects.id} = ${environments.projectId}
        where ${like(sql`${projects.name} || '/' || ${environments.name}`)}))`;
  }

  /**
   * The conditional move as one SQL text per shape (which columns the patch sets, how many source
   * statuses, with or without the lease check), built once and run on the driver: the move runs twice
   * per task (start, finish) and drizzle rebuilt it every time.
   */
  function transitionSql(
    id: string,
    to: TaskStatus,
    patch: TaskPatch,
    now: Date,
    from: readonly TaskStatus[] | undefined,
    lease: string | null,
    takeEvents: number,
    /** Only while no cancel was requested for the task (CancelRequestedError, see explainRefusedMove). */
    unlessCancelled = false,
  ): { sql: string; params: unknown[] } {
    const sources = from ? sourcesOf(to).filter((s) => from.includes(s)) : sourcesOf(to);
    const keys = Object.keys(patch).filter((key) => patch[key as keyof TaskPatch] !== undefined);
    const shape = `${database.dialect}|${keys.join(",")}|${sources.length}|${lease !== null}|${takeEvents > 0}|${unlessCancelled}`;
    let text = transitionTexts.get(shape);
    if (text === undefined) {
      const sets = [...keys, "status", "updatedAt"].map((key) => `${taskRows.name(key)} = ?`);
      if (takeEvents > 0) sets.push(`"event_seq" = "event_seq" + ?`);
      text = `${AT_MOST_ONE_ROW}update "tasks" set ${sets.join(", ")} where "id" = ? and "status" in (${sources.map(() => "?").join(", ")})${
        lease !== null ? ` and "lease_token" = ?` : ""
      }${unlessCancelled ? ` and "cancel_requested" = ?` : ""} returning ${returning}`;
      transitionTexts.set(shape, text);
    }
    const params = keys.map((key) => taskRows.toDriver(key, patch[key as keyof TaskPatch]));
    params.push(to, taskRows.toDriver("updatedAt", now));
    if (takeEvents > 0) params.push(takeEvents);
    params.push(id, ...sources);
    if (lease !== null) params.push(lease);
    if (unlessCancelled) params.push(taskRows.toDriver("cancelRequested", false));
    return { sql: text, params };
  }

  /** Why a conditional move changed nothing: the error it throws. */
  async function explainRefusedMove(
    id: string,
    to: TaskStatus,
    lease: string | null,
    unlessCancelled = false,
  ): Promise<never> {
    const current = await mustGet(id);
    if (lease && current.leaseToken !== lease) throw new LeaseLostError(id);
    const status = current.status as TaskStatus;
    if (unlessCancelled && current.cancelRequested && sourcesOf(to).includes(status))
      throw new CancelRequestedError(id);
    throw new IllegalTransitionError(status, to);
  }

  /**
   * A new queued task's insert as SQL text run on the driver, like the conditional move (every submit
   * runs it); `on conflict do nothing`: no row comes back when its idempotency key is taken.
   */
  function insertSql(input: NewTask, now: Date): { sql: string; params: unknown[]; id: string } {
    const id = newId("task", now.getTime());
    const values: Partial<TaskRow> = {
      id,
      type: input.type,
      status: "queued",
      entityId: input.entityId,
      projectId: input.projectId ?? null,
      correlationId: input.correlationId ?? id,
      traceContext: input.traceContext ?? null,
      idempotencyKey: input.idempotencyKey ?? null,
      requestedBy: input.requestedBy,
      source: input.source,
      payload: input.payload,
      maxAttempts: input.maxAttempts ?? 3,
      eventSeq: input.eventsTaken ?? 0,
      createdAt: now,
      updatedAt: now,
    };
    const keys = Object.keys(values) as (keyof TaskRow)[];
    let text = insertTexts.get(database.dialect);
    if (text === undefined) {
      text = `${AT_MOST_ONE_ROW}insert into "tasks" (${keys.map((key) => taskRows.name(key)).join(", ")})
      values (${keys.map(() => "?").join(", ")}) on conflict do nothing returning ${returning}`;
      insertTexts.set(database.dialect, text);
    }
    return { sql: text, params: keys.map((key) => taskRows.toDriver(key, values[key])), id };
  }

  /** The task a refused insert collided with: the one holding its idempotency key. */
  async function existingFor(into: Database, input: NewTask): Promise<TaskRow> {
    if (!input.idempotencyKey) throw new ConflictError("task_conflict", "A task with this id already exists");
    const rows = await into.db
      .select()
      .from(tasks)
      .where(eq(tasks.idempotencyKey, input.idempotencyKey))
      .limit(1);
    const existing = rows[0];
    if (!existing) throw new ConflictError("task_conflict", "The task could not be created; try again");
    return existing;
  }

  async function mustGet(id: string): Promise<TaskRow> {
    const task = await get(id);
    if (!task) throw new NotFoundError("task_not_found", `No task has the id ${id}`);
    return task;
  }

  return {
    get,
    mustGet,

    /**
     * Inserts a queued task and its pending steps (one transaction, or the caller's). With an idempotency key that is already taken the
     * existing task is returned and `created` is false, so redelivered requests create nothing.
     */
    create(input: NewTask, now = new Date()): Promise<{ task: TaskRow; created: boolean }> {
      return database.transaction(async (tx) => {
        const insert = insertSql(input, now);
        const inserted = await tx.rawQuery(insert.sql, insert.params);
        if (!inserted[0]) return { task: await existingFor(tx, input), created: false };
        const names = stepsOf(input.type);
        if (names.length > 0) {
          await tx.rawQuery(
            `insert into task_steps (task_id, idx, name, status, percent) values ${names.map(() => "(?, ?, ?, 'pending', 0)").join(", ")}`,
            names.flatMap((name, idx) => [insert.id, idx, name]),
          );
        }
        return { task: returnedTask(inserted[0]), created: true };
      });
    },

    insertSql,
    existingFor,

    /** The task with its steps and its last log lines, in one statement (task-detail-read.ts). */
    detail(id: string, logLines = 20): Promise<TaskDetail | null> {
      return readTaskDetail(database, id, logLines);
    },

    /** The task and its steps (what a delivery reads before it runs). */
    async withSteps(id: string): Promise<{ task: TaskRow; steps: TaskStepRow[] } | null> {
      const detail = await readTaskDetail(database, id, 0);
      return detail && { task: detail.task, steps: detail.steps };
    },

    async steps(id: string): Promise<TaskStepRow[]> {
      return db.select().from(taskSteps).where(eq(taskSteps.taskId, id)).orderBy(asc(taskSteps.idx));
    },

    /** Newest first, keyset-paginated; filters use the (filter, createdAt, id) indexes. */
    async list(filter: TaskFilter = {}): Promise<Page<TaskRow>> {
      const limit = Math.min(Math.max(filter.limit ?? 50, 1), MAX_PAGE_SIZE);
      const conditions: SQL[] = [];
      if (filter.status) conditions.push(eq(tasks.status, filter.status));
      if (filter.type) conditions.push(eq(tasks.type, filter.type));
      if (filter.entityId) conditions.push(eq(tasks.entityId, filter.entityId));
      if (filter.q?.trim()) conditions.push(textMatches(filter.q.trim()));
      if (filter.cursor) {
        const cursor = decodeCursor(filter.cursor);
        if (!cursor) throw new ConflictError("invalid_cursor", "The cursor is not one this API issued");
        conditions.push(afterCursor(tasks.createdAt, tasks.id, cursor));
      }
      const page = db
        .select()
        .from(tasks)
        .where(conditions.length ? and(...conditions) : undefined)
        .orderBy(desc(tasks.createdAt), desc(tasks.id))
        .limit(limit + 1)
        .as("page");
      // The page as one JSON array (json-aggregate.ts): on SQLite, a 50-row page took 2.3-2.8 ms of
      // CPU in the store as rows, 0.84-0.99 ms as one array; on PostgreSQL about the same either way.
      const [aggregate] = await db.select({ rows: sql.raw(pageJson()) }).from(page);
      const rows = parseJsonArray(aggregate?.rows).map((row) => taskRows.fromRow(row));
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return {
        items,
        nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
      };
    },

    /** Tasks in `statuses` not touched since `before`, oldest first (used by the reconciler). */
    async listStale(statuses: TaskStatus[], before: Date, limit = 500): Promise<TaskRow[]> {
      return db
        .select()
        .from(tasks)
        .where(and(inArray(tasks.status, statuses), lt(tasks.updatedAt, before)))
        .orderBy(asc(tasks.createdAt), asc(tasks.id))
        .limit(limit);
    },

    async countByStatus(): Promise<Record<TaskStatus, number>> {
      const rows = await db
        .select({ status: tasks.status, n: sql<number>`cast(count(*) as integer)` })
        .from(tasks)
        .groupBy(tasks.status);
      const counts: Record<TaskStatus, number> = {
        queued: 0,
        running: 0,
        awaiting_approval: 0,
        succeeded: 0,
        failed: 0,
        cancelled: 0,
      };
      for (const row of rows) if (isTaskStatus(row.status)) counts[row.status] = Number(row.n);
      return counts;
    },

    /**
     * Moves a task to `to` only from a status the task model allows, atomically (a conditional
     * UPDATE), so two processes racing on one task cannot both win. Throws IllegalTransitionError
     * with the status the task really had when the move is not legal.
     */
    async transition(
      id: string,
      to: TaskStatus,
      patch: TaskPatch = {},
      now = new Date(),
      /** Narrows the legal sources (e.g. only awaiting_approval -> queued for an approval). */
      from?: readonly TaskStatus[],
      /** Only while this lease holds the task (fencing, as `fence`): LeaseLostError otherwise. */
      lease?: string | null,
      /**
       * Takes this many event sequence numbers in the same statement (the returned row's `eventSeq`
       * is the last one): the caller inserts the events (see taskEvents.recordMove).
       */
      takeEvents = 0,
      /** Only while no cancel was requested for the task: CancelRequestedError otherwise. */
      unlessCancelled = false,
    ): Promise<TaskRow> {
      const move = transitionSql(id, to, patch, now, from, lease ?? null, takeEvents, unlessCancelled);
      const rows = await database.rawQuery(move.sql, move.params);
      if (rows[0]) return returnedTask(rows[0]);
      return explainRefusedMove(id, to, lease ?? null, unlessCancelled);
    },

    transitionSql,
    explainRefusedMove,

    async update(id: string, patch: TaskPatch, now = new Date()): Promise<TaskRow> {
      const rows = await db
        .update(tasks)
        .set({ ...patch, updatedAt: now })
        .where(eq(tasks.id, id))
        .returning();
      const row = rows[0];
      if (!row) throw new NotFoundError("task_not_found", `No task has the id ${id}`);
      return row;
    },

    /** Whether a cancel was asked for (one column of one row: cheap enough for every step boundary). */
    async cancelRequested(id: string): Promise<boolean> {
      const rows = await db
        .select({ flag: tasks.cancelRequested })
        .from(tasks)
        .where(eq(tasks.id, id))
        .limit(1);
      return rows[0]?.flag ?? false;
    },

    /** Marks the task so a worker stops it at its next checkpoint; true when the flag was set. */
    async requestCancel(id: string): Promise<boolean> {
      const rows = await db
        .update(tasks)
        .set({ cancelRequested: true, updatedAt: new Date() })
        .where(and(eq(tasks.id, id), eq(tasks.status, "running")))
        .returning({ id: tasks.id });
      return rows.length > 0;
    },

    async setOrigin(
      id: string,
      conversationRef: Record<string, unknown>,
      cardActivityId: string,
    ): Promise<void> {
      await db.update(tasks).set({ conversationRef, cardActivityId }).where(eq(tasks.id, id));
    },

    async updateStep(id: string, idx: number, patch: StepPatch): Promise<void> {
      await db
        .update(taskSteps)
        .set(patch)
        .where(and(eq(taskSteps.taskId, id), eq(taskSteps.idx, idx)));
    },

    /** Puts steps back to pending: all of them (`fromScratch`) or only those that did not succeed. */
    async resetSteps(id: string, fromScratch: boolean): Promise<void> {
      const reset = {
        status: "pending" as StepStatus,
        percent: 0,
        message: null,
        startedAt: null,
        finishedAt: null,
      };
      const where = fromScratch
        ? eq(taskSteps.taskId, id)
        : and(eq(taskSteps.taskId, id), sql`${taskSteps.status} <> 'succeeded'`);
      await db.update(taskSteps).set(reset).where(where);
    },

    /**
     * Gives the running task's lease to `token` for `leaseMs`, only if it is still held by `previous`
     * (null: nobody holds it); null when another delivery changed it first. The conditional update is
     * what makes two deliveries racing for one task end with one holder.
     */
    async takeLease(
      id: string,
      token: string,
      previous: string | null,
      leaseMs: number,
      patch: TaskPatch = {},
      now = new Date(),
    ): Promise<TaskRow | null> {
      const rows = await db
        .update(tasks)
        .set({
          ...patch,
          leaseToken: token,
          leaseExpiresAt: new Date(now.getTime() + leaseMs),
          updatedAt: now,
        })
        .where(
          and(
            eq(tasks.id, id),
            eq(tasks.status, "running"),
            previous === null ? isNull(tasks.leaseToken) : eq(tasks.leaseToken, previous),
          ),
        )
        .returning();
      return rows[0] ?? null;
    },

    /** Extends the lease while `token` holds it; false when it was taken (the holder must stop). */
    async renewLease(id: string, token: string, leaseMs: number, now = new Date()): Promise<boolean> {
      const rows = await db
        .update(tasks)
        .set({ leaseExpiresAt: new Date(now.getTime() + leaseMs) })
        .where(and(eq(tasks.id, id), eq(tasks.leaseToken, token)))
        .returning({ id: tasks.id });
      return rows.length > 0;
    },

    /** Gives the lease up (retry later, hand-back): the next delivery takes it at once. */
    async releaseLease(id: string, token: string): Promise<void> {
      await db
        .update(tasks)
        .set({ leaseToken: null, leaseExpiresAt: null })
        .where(and(eq(tasks.id, id), eq(tasks.leaseToken, token)));
    },

    /**
     * Inside a transaction: locks the task row and throws LeaseLostError unless `token` holds its
     * lease, so the writes that follow in the same transaction commit only for the current holder.
     */
    async fence(id: string, token: string): Promise<void> {
      const rows = await db
        .update(tasks)
        .set({ leaseToken: token })
        .where(and(eq(tasks.id, id), eq(tasks.leaseToken, token)))
        .returning({ id: tasks.id });
      if (rows.length === 0) throw new LeaseLostError(id);
    },

    /**
     * Unfinished tasks in the order the queue must hold them: running ones first (each is its
     * entity's head), then queued ones in the order they were queued, which is the id of their last
     * status event (a submit, or a retry that put a failed task back at the end of its entity's line),
     * then creation time.
     */
    async listUnfinished(limit = 10_000): Promise<{ id: string; entityId: string; status: string }[]> {
      const { taskEvents } = schema;
      const queuedAt = sql<number>`(select max(${taskEvents.id}) from ${taskEvents} where ${taskEvents.taskId} = ${tasks.id} and ${taskEvents.kind} = 'status')`;
      return db
        .select({ id: tasks.id, entityId: tasks.entityId, status: tasks.status })
        .from(tasks)
        .where(inArray(tasks.status, ["queued", "running"]))
        .orderBy(
          sql`case when ${tasks.status} = 'running' then 0 else 1 end`,
          sql`${queuedAt} asc`,
          asc(tasks.createdAt),
          asc(tasks.id),
        )
        .limit(limit);
    },

    /**
     * Removes a task that was never published (its queue publish failed on the request path), only
     * while it is still queued and untouched: the client got an error, so the task must not run.
     */
    async discardUnpublished(id: string): Promise<boolean> {
      const rows = await db
        .delete(tasks)
        .where(and(eq(tasks.id, id), eq(tasks.status, "queued"), eq(tasks.attempts, 0)))
        .returning({ id: tasks.id });
      return rows.length > 0;
    },

    async delete(id: string): Promise<void> {
      await db.delete(tasks).where(eq(tasks.id, id));
    },
  };
}

export type TasksStore = ReturnType<typeof createTasksStore>;
