import type { TaskLogLine as LogLine, TaskStep as Step, Task, TaskDetail } from "../../../contracts/tasks";
import { TERMINAL_STATUSES } from "../../../domain/model/task-status";
import { html, type SafeHtml } from "./escape";
import { ago, clock, durationBetween } from "./format";
import type { Role } from "./site-locals";

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

export function taskLink(task: Pick<Task, "id" | "type">): SafeHtml {
  return html`<a class="mono" href="/tasks/${task.id}">${task.id}</a>`;
}

/** One row of the task tables (/tasks and the home page); `id` lets live events replace it. */
export function taskRow(task: Task): SafeHtml {
  return html`<tr id="row-${task.id}" class="task-row">
<td>${taskLink(task)}</td>
<td>${task.type}</td>
<td class="mono">${task.entityId}</td>
<td>${statusChip(task.status)}</td>
<td><time datetime="${task.createdAt}">${ago(task.createdAt)}</time></td>
<td>${durationBetween(task.startedAt, task.finishedAt)}</td>
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
</dl>
${task.error ? html`<div class="alert alert-error" role="alert"><strong>${task.error.code}</strong>: ${task.error.message}${task.error.hint ? html`<p class="hint">Hint: ${task.error.hint}</p>` : ""}</div>` : ""}
</div>`;
}

/** Retry and Cancel, enabled by the task's state and the acting role (viewers only read). */
export function taskActions(task: Task, role: Role, csrf: string, idempotencyKey: string): SafeHtml {
  const mayAct = role !== "viewer";
  const canRetry = mayAct && task.status === "failed";
  const canCancel =
    mayAct && (task.status === "queued" || task.status === "running" || task.status === "awaiting_approval");
  const why = mayAct ? "" : " (your role is viewer)";
  return html`<div id="task-actions" class="actions">
<form method="post" action="/tasks/${task.id}/retry" hx-post="/tasks/${task.id}/retry" hx-target="#action-result">
<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="idempotencyKey" value="${idempotencyKey}-retry">
<button class="btn btn-primary" type="submit"${canRetry ? "" : " disabled"} title="${canRetry ? "Run the task again" : `Retry is for failed tasks${why}`}">Retry</button>
</form>
<form method="post" action="/tasks/${task.id}/cancel" hx-post="/tasks/${task.id}/cancel" hx-target="#action-result">
<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="idempotencyKey" value="${idempotencyKey}-cancel">
<button class="btn btn-danger" type="submit"${canCancel ? "" : " disabled"} title="${canCancel ? "Stop the task" : `Cancel is for queued, running or waiting tasks${why}`}">Cancel</button>
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
