import { getTableColumns, type Table } from "drizzle-orm";
import type { Database } from "../client";
import { type RawRows, rawRows } from "../raw-rows";
import type { TaskDetail, TaskLogRow, TaskRow, TaskStepRow } from "../rows";

// GET /api/tasks/{id} and every delivery read a task with its steps (and the API its last log lines).
// The profile of that route under load (SQLite, autocannon) put 33% of the process's CPU in the read:
// a join returned every task column once per step row, and libsql's row conversion (rowFromSql), the
// native row iteration and drizzle's mapping each paid for those repeated columns, plus a second
// statement for the log lines. This is one statement that returns one row: the task's columns, and
// its steps and last log lines as two JSON arrays the database builds. Measured alone (200 tasks of
// three steps, 5,000 reads): 144–220 µs of CPU per read before, 55–66 µs after on SQLite; 265–360 µs
// before, about 215 µs after on PostgreSQL (where the server does most of the work).
// Values come back through each column's own drizzle mapping (raw-rows.ts), so the rows are the ones
// the query builder returns; in JSON, timestamps are epoch milliseconds (SQLite) or ISO text
// (PostgreSQL), both of which the timestamp columns map to a Date.

interface Codecs {
  task: RawRows<TaskRow>;
  step: RawRows<TaskStepRow>;
  log: RawRows<TaskLogRow>;
  text: string;
}

const byTasksTable = new WeakMap<object, Codecs>();

/** `'name', "name", …` for every column: the arguments of json_object / json_build_object. */
function jsonPairs(table: Table): string {
  return Object.values(getTableColumns(table))
    .map((column) => `'${column.name}', "${column.name}"`)
    .join(", ");
}

function codecsOf(database: Database): Codecs {
  const { tasks, taskSteps, taskLogs } = database.schema;
  let codecs = byTasksTable.get(tasks);
  if (codecs) return codecs;
  const task = rawRows<TaskRow>(tasks);
  const array = (pairs: string, order: string) =>
    database.dialect === "postgres"
      ? `coalesce(json_agg(json_build_object(${pairs}) order by ${order}), '[]')`
      : `json_group_array(json_object(${pairs}) order by ${order})`;
  const text = `select ${task.columnList},
    (select ${array(jsonPairs(taskSteps), "idx")}
      from task_steps where task_id = t.id) as "steps_json",
    (select ${array(jsonPairs(taskLogs), "seq")}
      from (select * from task_logs where task_id = t.id order by seq desc limit ?) last_logs) as "logs_json"
    from tasks t where t.id = ?`;
  codecs = { task, step: rawRows<TaskStepRow>(taskSteps), log: rawRows<TaskLogRow>(taskLogs), text };
  byTasksTable.set(tasks, codecs);
  return codecs;
}

/** A JSON array column: text on SQLite, already parsed by node-postgres. */
function jsonArray(value: unknown): Record<string, unknown>[] {
  const parsed = typeof value === "string" ? JSON.parse(value) : value;
  return Array.isArray(parsed) ? parsed : [];
}

/** The task with its steps (by index) and its last `logLines` log lines (oldest first); null if absent. */
export async function readTaskDetail(
  database: Database,
  id: string,
  logLines: number,
): Promise<TaskDetail | null> {
  const codecs = codecsOf(database);
  const rows = await database.rawQuery(codecs.text, [Math.max(0, Math.trunc(logLines)), id]);
  const row = rows[0];
  if (!row) return null;
  return {
    task: codecs.task.fromRow(row),
    steps: jsonArray(row.steps_json).map((step) => codecs.step.fromRow(step)),
    logs: jsonArray(row.logs_json).map((line) => codecs.log.fromRow(line)),
  };
}
