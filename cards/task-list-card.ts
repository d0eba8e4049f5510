import type { Task } from "../contracts/tasks";
import { BOT_CARD_MAX_BYTES, fitCard } from "./budget";
import { STATUS_COLOR, STATUS_LABEL, typeLabel } from "./colors";
import { type CardJson, expandTemplate, loadTemplate } from "./expand";
import { clip } from "./text";

const template = loadTemplate("task-list");

/** More rows than this make a card people scroll past; the dashboard has the rest. */
export const TASK_LIST_MAX_ROWS = 25;

export interface TaskListRow {
  id: string;
  heading: string;
  detail: string;
  label: string;
  color: string;
}

export interface TaskListCardInput {
  title: string;
  rows: readonly TaskListRow[];
  emptyText: string;
  publicUrl: string;
  /** Dashboard page the card links to (default: the task list). */
  path?: string;
}

/** Fewer and shorter rows, tried in order until the card fits its UTF-8 byte budget. */
const LEANER = [
  { rows: TASK_LIST_MAX_ROWS, heading: 200, detail: 300 },
  { rows: 12, heading: 120, detail: 150 },
  { rows: 6, heading: 80, detail: 80 },
  { rows: 3, heading: 60, detail: 40 },
] as const;

/** A short list of tasks (or dead letters), newest first, each row opening its dashboard page. */
export function buildTaskListCard(input: TaskListCardInput, maxBytes = BOT_CARD_MAX_BYTES): CardJson {
  return fitCard(
    LEANER.map((limits) => () => build(input, limits)),
    maxBytes,
  );
}

function build(input: TaskListCardInput, limits: (typeof LEANER)[number]): CardJson {
  const rows = input.rows.slice(0, limits.rows);
  const hidden = input.rows.length - rows.length;
  return expandTemplate(template, {
    title: clip(input.title, 200),
    emptyText: clip(input.emptyText, 400),
    rows: rows.map((r) => ({
      heading: clip(r.heading, limits.heading),
      detail: clip(r.detail, limits.detail),
      label: clip(r.label, 40),
      color: r.color,
      url: `${input.publicUrl}/tasks/${encodeURIComponent(r.id)}`,
    })),
    more: hidden > 0 ? `${hidden} more on the dashboard` : "",
    dashboardUrl: `${input.publicUrl}${input.path ?? "/tasks"}`,
  });
}

/** A task list row from an API task. */
export function taskRow(task: Task): TaskListRow {
  return {
    id: task.id,
    heading: `${typeLabel(task.type)} · ${task.entityId}`,
    detail: `${task.id} · ${task.requestedBy} · ${task.createdAt.slice(0, 16).replace("T", " ")} UTC`,
    label: STATUS_LABEL[task.status],
    color: STATUS_COLOR[task.status],
  };
}
