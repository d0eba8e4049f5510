import type { ApiClient } from "./api-client";
import { html, type SafeHtml } from "./escape";

/**
 * The home page's "waiting for approval" panel: which lanes stand still and why (GET /api/queue's
 * blockedBy), each with a link to the task page where an operator approves or rejects. Empty (no
 * panel) when nothing waits.
 */
export async function approvalPanel(api: ApiClient): Promise<SafeHtml> {
  const queue = await api.getQueue();
  if (!queue.ok) return html``;
  const blocked = queue.data.entities.flatMap((e) =>
    e.blockedBy
      ? [
          {
            ...e.blockedBy,
            entityId: e.entityId,
            behind: e.pendingTaskIds.filter((id) => id !== e.blockedBy?.taskId).length,
          },
        ]
      : [],
  );
  if (blocked.length === 0) return html``;
  return html`<section class="panel" id="approvals" aria-labelledby="approvals-title">
<h2 id="approvals-title">Waiting for approval <span class="muted">(${blocked.length})</span></h2>
<ul class="approval-list">${blocked.map(
    (b) =>
      html`<li><a href="/tasks/${b.taskId}" class="mono">${b.taskId}</a> on <span class="mono">${b.entityId}</span>: ${b.reason}, requested by ${b.requestedBy}, until ${b.expiresAt.slice(0, 16).replace("T", " ")} UTC${b.behind > 0 ? html` · ${b.behind} task(s) wait behind it` : ""}</li>`,
  )}</ul>
</section>`;
}
