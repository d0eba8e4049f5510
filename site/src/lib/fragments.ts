import type { TaskLogLine as LogLine, TaskStep as Step, Task, TaskDetail } from "../../../contracts/tasks";
import { TERMINAL_STATUSES } from "../../../domain/model/task-status";
import { html, type SafeHtml } from "./escape";
import { ago, clock, durationBetween, exactTime } from "./format";
import { type Names, taskTitle } from "./names";
import type { Role } from "./site-locals";

// HTML fragments shared by the server-rendered pages and the SSE endpoints, so a live update looks
// exactly like a reload. Styles for these classes are global (src/styles/global.css).

/** Most log lines the task page keeps; the browser script trims to the same cap. */
export const LOG_BUFFER_LINES = 500;

const STATUS_LABEL: Record<string, string> = {
  queued: "Queued",
  running: "Running",
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

/** The task's trace: a link when TRACE_URL_TEMPLATE is set, else the bare trace id (nothing when untraced). */
function traceFact(task: Pick<TaskDetail, "traceId" | "traceUrl">): SafeHtml | string {
  if (!task.traceId) return "";
  const id = task.traceUrl
    ? html`<a class="mono" href="${task.traceUrl}" target="_blank" rel="noopener noreferrer">${task.traceId}</a>`
    : html`<span class="mono">${task.traceId}</span>`;
  return html`<div><dt>Trace</dt><dd>${id}</dd></div>`;
}

/** Task header facts: status, duration, entity, attempts, queue position, error with hint. */
export function taskSummary(task: TaskDetail): SafeHtml {
  return html`<div id="task-summary" class="summary">
<dl class="facts">
<div><dt>Status</dt><dd>${statusChip(task.status)}</dd></div>
${task.result?.cluster === "simulated" ? html`<div><dt>Cluster</dt><dd><span class="chip chip-simulated" title="Demo: no real cluster was touched">simulated cluster</span></dd></div>` : ""}
<div><dt>Duration</dt><dd>${durationBetween(task.startedAt, task.finishedAt)}</dd></div>
<div><dt>Entity</dt><dd class="mono">${task.entityId}</dd></div>
<div><dt>Attempts</dt><dd>${task.attempts} of ${task.maxAttempts}</dd></div>
<div><dt>Requested by</dt><dd>${task.requestedBy} · ${task.source}</dd></div>
${task.queuePosition !== null && task.queuePosition !== undefined && task.status === "queued" ? html`<div><dt>Queue position</dt><dd>${task.queuePosition}</dd></div>` : ""}
${task.correlationId ? html`<div><dt>Correlation id</dt><dd class="mono" title="The API request id or Teams activity id that created the task">${task.correlationId}</dd></div>` : ""}
${traceFact(task)}
</dl>
${task.error ? html`<div class="alert alert-error" role="alert"><strong>${task.error.code}</strong>: ${task.error.message}${task.error.hint ? html`<p class="hint">Hint: ${task.error.hint}</p>` : ""}</div>` : ""}
</div>`;
}

/** Retry and Cancel, enabled by the task's state and the acting role (viewers only read). */
export function taskActions(task: Task, role: Role, csrf: string, idempotencyKey: string): SafeHtml {
  const mayAct = role !== "viewer";
  const canRetry = mayAct && task.status === "failed";
  const canCancel = mayAct && (task.status === "queued" || task.status === "running");
  const why = mayAct ? "" : " (your role is viewer)";
  return html`<div id="task-actions" class="actions">
<form method="post" action="/tasks/${task.id}/retry" hx-post="/tasks/${task.id}/retry" hx-target="#action-result">
<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="idempotencyKey" value="${idempotencyKey}-retry">
<button class="btn btn-primary" type="submit"${canRetry ? "" : " disabled"} title="${canRetry ? "Run the task again" : `Retry is for failed tasks${why}`}">Retry</button>
</form>
<form method="post" action="/tasks/${task.id}/cancel" hx-post="/tasks/${task.id}/cancel" hx-target="#action-result">
<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="idempotencyKey" value="${idempotencyKey}-cancel">
<button class="btn btn-danger" type="submit"${canCancel ? "" : " disabled"} title="${canCancel ? "Stop the task" : `Cancel is for queued or running tasks${why}`}">Cancel</button>
</form>
<div id="action-result" aria-live="polite"></div>
</div>`;
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

/** The notice that replaces live updates when a stream cannot be kept open. */
export function refreshNotice(href: string): SafeHtml {
  return html`<p class="stream-lost">Live updates stopped. <a href="${href}">Refresh the page</a> to see the latest state.</p>`;
}
