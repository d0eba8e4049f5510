import type { TaskDetail, TaskHistory, TaskStep } from "../../../contracts/tasks";
import { html, type SafeHtml } from "./escape";
import { durationBetween } from "./format";
import { entityName, isFinished, relativeTime, statusChip, stepCard } from "./fragments";
import { type Names, taskTitle } from "./names";
import type { Role } from "./site-locals";

// The task page as a run page (like a CI run): summary, the buttons that apply, steps, attempts, who
// acted, the payload. One function per section so each can be re-rendered live on its own and new
// sections (an approval, a plan) slot in without touching the others.

/** What the page shows as the task's state: a failed task whose dead letter was skipped reads "Skipped". */
export function displayStatus(task: Pick<TaskDetail, "status">, history: TaskHistory | null): string {
  return task.status === "failed" && history?.deadLetter?.status === "skipped" ? "skipped" : task.status;
}

/** Steps as they ended: a cancelled task's steps that never finished are shown skipped. */
export function displaySteps(task: Pick<TaskDetail, "status" | "steps">): TaskStep[] {
  if (task.status !== "cancelled") return task.steps;
  return task.steps.map((s) =>
    s.status === "pending" || s.status === "running"
      ? { ...s, status: "skipped" as const, message: s.message ?? "Not run: the task was cancelled" }
      : s,
  );
}

/** The page heading: what the task does, by name; the id stays in the breadcrumb and the URL. */
export function runHeading(task: TaskDetail, names: Names): SafeHtml {
  return html`<h1 class="run-title">${taskTitle(task, names)}</h1>`;
}

const ACTION_WORDS: Record<string, string> = {
  "task.cancel": "Cancelled",
  "task.retry": "Retried",
  "dlq.retry": "Retried from dead letters",
  "dlq.skip": "Skipped",
};

/** Header facts: status, duration, entity, attempts, requester, queue position, error with hint. */
/** The task's trace: a link when TRACE_URL_TEMPLATE is set, else the bare trace id (nothing when untraced). */
function traceFact(task: Pick<TaskDetail, "traceId" | "traceUrl">): SafeHtml | string {
  if (!task.traceId) return "";
  const id = task.traceUrl
    ? html`<a class="mono" href="${task.traceUrl}" target="_blank" rel="noopener noreferrer">${task.traceId}</a>`
    : html`<span class="mono">${task.traceId}</span>`;
  return html`<div><dt>Trace</dt><dd>${id}</dd></div>`;
}

export function taskSummary(task: TaskDetail, names: Names, history: TaskHistory | null): SafeHtml {
  const status = displayStatus(task, history);
  const letter = history?.deadLetter;
  return html`<div id="task-summary" class="summary" data-status="${status}">
<dl class="facts">
<div><dt>Status</dt><dd>${statusChip(status)}</dd></div>
<div><dt>Type</dt><dd class="mono">${task.type}</dd></div>
${task.result?.cluster === "simulated" ? html`<div><dt>Cluster</dt><dd><span class="chip chip-simulated" title="Demo: no real cluster was touched">simulated cluster</span></dd></div>` : ""}
<div><dt>Duration</dt><dd>${durationBetween(task.startedAt, task.finishedAt)}</dd></div>
<div><dt>Entity</dt><dd>${entityName(task.entityId, names)}</dd></div>
<div><dt>Attempts</dt><dd>${task.attempts} of ${task.maxAttempts}</dd></div>
<div><dt>Requested by</dt><dd>${task.requestedBy} <span class="muted">via ${task.source}</span></dd></div>
<div><dt>Created</dt><dd>${relativeTime(task.createdAt)}</dd></div>
${task.queuePosition !== null && task.queuePosition !== undefined && task.status === "queued" ? html`<div><dt>Queue position</dt><dd>${task.queuePosition}</dd></div>` : ""}
${task.correlationId ? html`<div><dt>Correlation id</dt><dd class="mono" title="The API request id or Teams activity id that created the task">${task.correlationId}</dd></div>` : ""}
${traceFact(task)}
</dl>
${status === "skipped" && letter ? html`<p class="alert alert-muted" role="status">Failed, then skipped${letter.resolvedBy ? html` by <strong>${letter.resolvedBy}</strong>` : ""} ${relativeTime(letter.resolvedAt)}: it will not run again unless retried.</p>` : ""}
${task.error && task.status !== "cancelled" ? html`<div class="alert alert-error" role="alert"><strong>${task.error.code}</strong>: ${task.error.message}${task.error.hint ? html`<p class="hint">Hint: ${task.error.hint}</p>` : ""}</div>` : ""}
</div>`;
}

function commandForm(
  action: string,
  label: string,
  style: string,
  csrf: string,
  key: string,
  confirmText: string | null,
  extra: SafeHtml | string = "",
): SafeHtml {
  return html`<form method="post" action="${action}" hx-post="${action}" hx-target="#action-result"${confirmText ? html` data-confirm="${confirmText}"` : ""}>
<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="idempotencyKey" value="${key}">${extra}
<button class="btn ${style}" type="submit">${label}</button>
</form>`;
}

/**
 * Only the buttons that apply to the task's state and the acting role; Cancel and Skip ask first,
 * and so does a retry of a deploy to a prod environment.
 */
export function taskActions(
  task: TaskDetail,
  role: Role,
  csrf: string,
  idempotencyKey: string,
  history: TaskHistory | null,
  names: Names,
): SafeHtml {
  const title = taskTitle(task, names);
  const buttons: SafeHtml[] = [];
  if (role !== "viewer") {
    if (task.status === "failed") {
      const prod = task.type === "deploy" && /\/prod$/i.test(names.entity(task.entityId));
      buttons.push(
        commandForm(
          `/tasks/${task.id}/retry`,
          "Retry",
          "btn-primary",
          csrf,
          `${idempotencyKey}-retry`,
          prod ? `Deploy again to the prod environment ${names.entity(task.entityId)}?` : null,
        ),
      );
    }
    if (task.status === "queued" || task.status === "running" || task.status === "awaiting_approval") {
      buttons.push(
        commandForm(
          `/tasks/${task.id}/cancel`,
          "Cancel",
          "btn-danger",
          csrf,
          `${idempotencyKey}-cancel`,
          `Cancel “${title}”? A running step stops at its next check.`,
        ),
      );
    }
    const letter = history?.deadLetter;
    if (task.status === "failed" && letter?.status === "open" && role === "admin") {
      buttons.push(
        commandForm(
          `/dlq/${letter.id}/skip`,
          "Skip",
          "",
          csrf,
          `${idempotencyKey}-skip`,
          `Skip “${title}”? It stays failed and leaves the dead letters.`,
          html`<input type="hidden" name="from" value="task">`,
        ),
      );
    }
  }
  const none =
    role === "viewer"
      ? html`<p class="muted">Your role is viewer: you can follow this task but not change it.</p>`
      : isFinished(task.status) && buttons.length === 0
        ? html`<p class="muted">Nothing to do: the task has finished.</p>`
        : "";
  return html`<div id="task-actions" class="actions">${buttons}${none}<div id="action-result" aria-live="polite"></div></div>`;
}

/** The timeline of steps. */
export function timeline(task: TaskDetail): SafeHtml {
  const steps = displaySteps(task);
  return steps.length === 0 ? html`<li class="empty">No steps yet.</li>` : html`${steps.map(stepCard)}`;
}

// Said in words where the chip alone would mislead.
const OUTCOME_WORDS: Record<string, string> = {
  retrying: "then retried",
  handed_back: "handed back: the worker stopped",
};
const OUTCOME_CHIP: Record<string, string> = { retrying: "failed", handed_back: "queued" };

/** Each attempt: when it started and ended, how, and the error that ended it. */
export function attemptRows(history: TaskHistory | null): SafeHtml {
  const attempts = history?.attempts ?? [];
  if (attempts.length === 0) return html`<li class="empty">Not started yet.</li>`;
  return html`${attempts.map(
    (a) => html`<li class="attempt attempt-${a.outcome}">
<span class="attempt-no">#${a.attempt}</span>${statusChip(OUTCOME_CHIP[a.outcome] ?? a.outcome)}${OUTCOME_WORDS[a.outcome] ? html`<span class="muted">${OUTCOME_WORDS[a.outcome]}</span>` : ""}
<span class="attempt-time">started ${relativeTime(a.startedAt)}${a.finishedAt ? html`, took ${durationBetween(a.startedAt, a.finishedAt)}` : ""}</span>
${a.error ? html`<p class="attempt-error">${a.error}</p>` : ""}
</li>`,
  )}`;
}

/** Who changed the task's course: cancelled, retried, skipped. */
export function activityRows(history: TaskHistory | null): SafeHtml {
  const actions = history?.actions ?? [];
  if (actions.length === 0)
    return html`<li class="empty">No one has cancelled, retried or skipped this task.</li>`;
  return html`${actions.map(
    (a) =>
      html`<li><strong>${ACTION_WORDS[a.action] ?? a.action}</strong> by ${a.by} <span class="muted">(${a.role}, via ${a.source})</span> ${relativeTime(a.at)}</li>`,
  )}`;
}

const FAILURE_KEYS = new Set(["failAt", "failTimes", "failPermanently"]);

/** What was asked: the template and parameters (and a demo failure injection, said as such). */
export function payloadFacts(task: TaskDetail): SafeHtml {
  // The environment and project are the entity, named above.
  const entries = Object.entries(task.payload).filter(
    ([k]) => !FAILURE_KEYS.has(k) && k !== "params" && k !== "envId" && k !== "projectId",
  );
  const params = task.payload.params;
  const paramEntries =
    params && typeof params === "object" ? Object.entries(params as Record<string, unknown>) : [];
  const value = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
  const failure = task.payload.failAt
    ? html`<p class="muted">Demo failure injection: step “${String(task.payload.failAt)}” fails ${task.payload.failPermanently ? "once, permanently (no retry)" : `${Number(task.payload.failTimes ?? 1)} time(s), then succeeds on retry`}.</p>`
    : "";
  return html`<dl class="facts payload">${entries.map(([k, v]) => html`<div><dt>${k}</dt><dd class="mono">${value(v)}</dd></div>`)}
${"params" in task.payload ? html`<div><dt>params</dt><dd class="mono">${paramEntries.length ? paramEntries.map(([k, v]) => html`${k}=${value(v)} `) : "none"}</dd></div>` : ""}</dl>${failure}`;
}
