import type { Database } from "../client";
import { jsonArrayOf, jsonObjectOf, jsonPairs, parseJsonArray, parseJsonObject } from "../json-aggregate";
import { AT_MOST_ONE_ROW } from "../libsql-statement-cache";
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
// Values come back through each column's own drizzle mapping (json-aggregate.ts, raw-rows.ts).
// The row is one JSON object (the task's columns with its two arrays), not one column per task field:
// @libsql/client turns a returned row into an object with two Object.defineProperty calls per column
// and its driver converts each value on its own, which for the task's 26 columns cost more than the
// query. One JSON text, parsed once: 57–59 µs of CPU per read before, 42–43 after (SQLite, 1,000 tasks,
// 5,000 reads; the native statement alone 24 vs 21 µs).

interface Codecs {
  task: RawRows<TaskRow>;
  step: RawRows<TaskStepRow>;
  log: RawRows<TaskLogRow>;
  text: string;
}

const byTasksTable = new WeakMap<object, Codecs>();

function codecsOf(database: Database): Codecs {
  const { tasks, taskSteps, taskLogs } = database.schema;
  let codecs = byTasksTable.get(tasks);
  if (codecs) return codecs;
  const task = rawRows<TaskRow>(tasks);
  const array = (pairs: string, order: string) => jsonArrayOf(database.dialect, pairs, order);
  const pairs = [
    jsonPairs(tasks, "t"),
    `'steps_json', (select ${array(jsonPairs(taskSteps), "idx")} from task_steps where task_id = t.id)`,
    `'logs_json', (select ${array(jsonPairs(taskLogs), "seq")}
      from (select * from task_logs where task_id = t.id order by seq desc limit ?) last_logs)`,
  ].join(", ");
  const text = `${AT_MOST_ONE_ROW}select ${jsonObjectOf(database.dialect, pairs)} as "detail" from tasks t where t.id = ?`;
  codecs = { task, step: rawRows<TaskStepRow>(taskSteps), log: rawRows<TaskLogRow>(taskLogs), text };
  byTasksTable.set(tasks, codecs);
  return codecs;
}

/** The task with its steps (by index) and its last `logLines` log lines (oldest first); null if absent. */
export async function readTaskDetail(
  database: Database,
  id: string,
  logLines: number,
): Promise<TaskDetail | null> {
  const codecs = codecsOf(database);
  const rows = await database.rawQuery(codecs.text, [Math.max(0, Math.trunc(logLines)), id]);
  const row = parseJsonObject(rows[0]?.detail);
  if (!row) return null;
  return {
    task: codecs.task.fromRow(row),
    steps: parseJsonArray(row.steps_json).map((step) => codecs.step.fromRow(step)),
    logs: parseJsonArray(row.logs_json).map((line) => codecs.log.fromRow(line)),
  };
}
