import type { DeadLetter } from "../../../contracts/dead-letters";
import { html, type SafeHtml } from "./escape";
import { newIdempotencyKey } from "./forms";
import { entityName, relativeTime } from "./fragments";
import { type Names, taskTitle } from "./names";
import type { Role } from "./site-locals";

/** What the acting role may do with dead letters (the API checks again): operators retry, admins also skip. */
export function deadLetterRights(role: Role): { retry: boolean; skip: boolean } {
  return { retry: role !== "viewer", skip: role === "admin" };
}

const REASONS: Record<string, string> = {
  permanent_error: "Failed permanently",
  attempts_exhausted: "Out of attempts",
};

/**
 * One open dead letter: a table row on wide screens, a card on phones (the cells carry their column
 * name for the phone layout). Its checkbox belongs to the bulk form (#dlq-bulk).
 */
export function deadLetterRow(letter: DeadLetter, names: Names, csrf: string, role: Role): SafeHtml {
  const rights = deadLetterRights(role);
  const title = taskTitle({ type: letter.taskType, entityId: letter.entityId, payload: {} }, names);
  return html`<tr id="dl-${letter.id}" data-sync-item>
<td class="select-cell">${rights.retry ? html`<input type="checkbox" name="ids" value="${letter.id}" form="dlq-bulk" aria-label="Select ${title}">` : ""}</td>
<td data-label="Task"><a class="task-title" href="/tasks/${letter.taskId}" title="${letter.taskId}">${title}</a> <span class="muted type-tag">${letter.taskType}</span></td>
<td data-label="Entity">${entityName(letter.entityId, names)}</td>
<td data-label="Error"><strong>${REASONS[letter.reason] ?? letter.reason}</strong><br><span class="muted">${letter.lastError}</span></td>
<td data-label="Attempts">${letter.attempts}</td>
<td data-label="When">${relativeTime(letter.createdAt)}</td>
<td class="row-actions">
<div class="actions">
${
  rights.retry
    ? html`<form class="inline" method="post" action="/dlq/${letter.id}/retry" hx-post="/dlq/${letter.id}/retry" hx-target="#dl-msg-${letter.id}">
<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="idempotencyKey" value="${newIdempotencyKey()}"><input type="hidden" name="taskId" value="${letter.taskId}">
<button class="btn btn-sm btn-primary" type="submit">Retry</button></form>`
    : ""
}
${
  rights.skip
    ? html`<form class="inline" method="post" action="/dlq/${letter.id}/skip" hx-post="/dlq/${letter.id}/skip" hx-target="#dl-${letter.id}" hx-swap="outerHTML" data-confirm="Skip “${title}”? It stays failed and leaves the dead letters.">
<input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="idempotencyKey" value="${newIdempotencyKey()}">
<button class="btn btn-sm" type="submit">Skip</button></form>`
    : ""
}
</div>
<div id="dl-msg-${letter.id}" aria-live="polite"></div>
</td>
</tr>`;
}

/** Every open dead letter, or the empty state. */
export function deadLetterRows(letters: DeadLetter[], names: Names, csrf: string, role: Role): SafeHtml {
  if (letters.length === 0)
    return html`<tr class="empty-row" data-sync-item id="dl-none"><td colspan="7" class="empty">No dead letters. All good.</td></tr>`;
  return html`${letters.map((l) => deadLetterRow(l, names, csrf, role))}`;
}
