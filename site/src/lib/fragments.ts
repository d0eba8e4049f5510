import type { TaskLogLine as LogLine, TaskStep as Step, Task } from "../../../contracts/tasks";
import { TERMINAL_STATUSES } from "../../../domain/model/task-status";
import { html, type SafeHtml } from "./escape";
import { ago, clock, durationBetween, exactTime } from "./format";
import { type Names, taskTitle } from "./names";

// HTML fragments shared by the server-rendered pages and the SSE endpoints, so a live update looks
// exactly like a reload. Styles for these classes are global (src/styles/global.css).

/** Most log lines the task page keeps; the browser script trims to the same cap. */
export const LOG_BUFFER_LINES = 500;

const STATUS_LABEL: Record<string, string> = {
  queued: "Queued",
  running: "Running",
  awaiting_approval: "Awaiting approval",
  succeeded: "Succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
  pending: "Pending",
  skipped: "Skipped",
};

export function isFinished(status: string): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

/** A coloured pill with an icon-like dot and a word, so status never relies on colour alone. */
export function statusChip(status: string, id?: string): SafeHtml {
  return html`<span class="chip chip-${status}"${id ? html` id="${id}"` : ""}><span class="chip-dot" aria-hidden="true"></span>${STATUS_LABEL[status] ?? status}</span>`;
}

/** The task named by what it does ("Deploy web-app to shop/prod"); the id is on hover and in the URL. */
export function taskLink(task: Pick<Task, "id" | "type" | "entityId" | "payload">, names: Names): SafeHtml {
  return html`<a class="task-title" href="/tasks/${task.id}" title="${task.id}">${taskTitle(task, names)}</a>`;
}

/** An entity by name (`shop/prod`), its id on hover. */
export function entityName(entityId: string, names: Names): SafeHtml {
  const name = names.entity(entityId);
  return html`<span class="entity"${name === entityId ? "" : html` title="${entityId}"`}>${name}</span>`;
}

/** "3m ago" that the page script keeps current, the exact UTC time on hover. */
export function relativeTime(iso: string | null): SafeHtml {
  if (!iso) return html`<span class="muted">–</span>`;
  return html`<time datetime="${iso}" title="${exactTime(iso)}" data-relative>${ago(iso)}</time>`;
}

/** Column headings of taskRow, for the tables that hold them. */
export const TASK_COLUMNS = ["Task", "Entity", "Requested by", "Status", "Created", "Duration"] as const;

/** One row of the task tables (/tasks and the home page); `id` lets live events replace it. */
export function taskRow(task: Task, names: Names): SafeHtml {
  return html`<tr id="row-${task.id}" class="task-row">
<td data-label="Task">${taskLink(task, names)} <span class="muted type-tag">${task.type}</span></td>
<td data-label="Entity">${entityName(task.entityId, names)}</td>
<td data-label="Requested by">${task.requestedBy}</td>
<td data-label="Status">${statusChip(task.status)}</td>
<td data-label="Created">${relativeTime(task.createdAt)}</td>
<td data-label="Duration">${durationBetween(task.startedAt, task.finishedAt)}</td>
</tr>`;
}

/** A step card of the task timeline. */
export function stepCard(step: Step): SafeHtml {
  const pct = Math.max(0, Math.min(100, Math.round(step.percent)));
  return html`<li id="step-${step.index}" class="step step-${step.status}">
<div class="step-head">${statusChip(step.status)}<strong class="step-name">${step.index + 1}. ${step.name}</strong>
<span class="step-time">${step.startedAt ? html`<time datetime="${step.startedAt}">${clock(step.startedAt)}</time>` : "not started"}${step.finishedAt ? html` → <time datetime="${step.finishedAt}">${clock(step.finishedAt)}</time> · ${durationBetween(step.startedAt, step.finishedAt)}` : ""}</span></div>
<progress class="bar" max="100" value="${pct}" aria-label="${step.name} progress">${pct}%</progress>
${step.message ? html`<p class="step-msg">${step.message}</p>` : ""}
</li>`;
}

export function logLine(line: Pick<LogLine, "seq" | "at" | "level" | "step" | "message">): SafeHtml {
  return html`<li class="log log-${line.level}" data-seq="${line.seq}"><time datetime="${line.at}">${clock(line.at)}</time> <span class="log-level">${line.level}</span>${line.step ? html` <span class="log-step">[${line.step}]</span>` : ""} <span class="log-msg">${line.message}</span></li>`;
}

/** The readable form of an API problem, placed next to the form that caused it. */
export function problemBox(problem: {
  title: string;
  detail: string;
  hint?: string;
  code: string;
}): SafeHtml {
  return html`<div class="alert alert-error" role="alert"><strong>${problem.title}</strong>${problem.detail ? html`<p>${problem.detail}</p>` : ""}${problem.hint ? html`<p class="hint">Hint: ${problem.hint}</p>` : ""}<p class="code">Code: ${problem.code}</p></div>`;
}
