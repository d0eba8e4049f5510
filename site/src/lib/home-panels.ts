import type { ApiClient } from "./api-client";
import { html, type SafeHtml } from "./escape";
import { timeLeft } from "./format";
import { loadProjects, queueDepthOf } from "./loaders";
import { type Names, taskTitle } from "./names";

/**
 * Queue depth, running tasks and open dead letters for the home page header cards. The "Failed" card
 * counts exactly what its link (/dlq) lists: open dead letters.
 */
export async function homeStats(api: ApiClient, names: Names): Promise<SafeHtml> {
  const [queue, running, letters] = await Promise.all([
    api.getQueue(),
    api.listTasks({ status: "running", limit: 100 }),
    api.listDeadLetters({ status: "open", limit: 200 }),
  ]);
  const depth = queue.ok ? queueDepthOf(queue.data) : null;
  const runningTasks = running.ok ? running.data.items : [];
  const failedCount = letters.ok ? `${letters.data.items.length}${letters.data.nextCursor ? "+" : ""}` : null;
  return html`<div class="panel card"><h2 class="card-title">Queue depth</h2><p class="stat" data-stat="queue">${depth ?? "–"}</p><p class="muted">tasks waiting to run</p></div>
<div class="panel card"><h2 class="card-title">Running</h2><p class="stat" data-stat="running">${runningTasks.length}</p>
<p class="muted">${runningTasks.length ? runningTasks.slice(0, 3).map((t, i) => html`${i ? ", " : ""}<a href="/tasks/${t.id}" title="${t.id}">${taskTitle(t, names)}</a>`) : "nothing running"}</p></div>
<div class="panel card"><h2 class="card-title">Failed</h2><p class="stat" data-stat="failed">${failedCount ?? "–"}</p><p class="muted"><a href="/dlq">open dead letters</a></p></div>`;
}

/** Projects with their environments; sandboxes show the time left until they expire. */
export async function sandboxPanel(api: ApiClient): Promise<SafeHtml> {
  const { projects, problem } = await loadProjects(api);
  if (problem) return html`<p class="empty">Projects could not be loaded: ${problem}</p>`;
  if (projects.length === 0)
    return html`<p class="empty">No projects yet. <a href="/projects">Create one</a>.</p>`;
  return html`<div class="grid">${projects.map(
    (
      p,
    ) => html`<article class="panel card"><h2 class="card-title"><a href="/projects#${p.id}">${p.name}</a></h2><p class="muted">${p.description}</p>
<ul class="env-list">${p.environments.map(
      (e) =>
        html`<li><span>${e.name} <span class="env-type">${e.type}</span></span>${
          e.type === "sandbox"
            ? e.status === "active"
              ? html`<span class="muted" data-expires="${e.expiresAt ?? ""}">${timeLeft(e.expiresAt)}</span>`
              : html`<span class="muted">${e.status}</span>`
            : html`<span class="muted">${e.status}</span>`
        }</li>`,
    )}</ul></article>`,
  )}</div>`;
}
