import type { ApiClient } from "./api-client";
import { html, type SafeHtml } from "./escape";
import { timeLeft } from "./format";
import { loadProjects, queueDepthOf } from "./loaders";

/** Queue depth and running/failed counts for the home page header cards. */
export async function homeStats(api: ApiClient): Promise<SafeHtml> {
  const [queue, running, failed] = await Promise.all([
    api.getQueue(),
    api.listTasks({ status: "running", limit: 100 }),
    api.listTasks({ status: "failed", limit: 100 }),
  ]);
  const depth = queue.ok ? queueDepthOf(queue.data) : null;
  const runningTasks = running.ok ? running.data.items : [];
  const failedCount = failed.ok ? failed.data.items.length : null;
  return html`<div class="panel card"><h3>Queue depth</h3><p class="stat" data-stat="queue">${depth ?? "–"}</p><p class="muted">tasks waiting to run</p></div>
<div class="panel card"><h3>Running</h3><p class="stat" data-stat="running">${runningTasks.length}</p>
<p class="muted">${runningTasks.length ? runningTasks.slice(0, 3).map((t, i) => html`${i ? ", " : ""}<a href="/tasks/${t.id}">${t.type} ${t.entityId}</a>`) : "nothing running"}</p></div>
<div class="panel card"><h3>Failed</h3><p class="stat" data-stat="failed">${failedCount ?? "–"}</p><p class="muted"><a href="/dlq">dead letters</a></p></div>`;
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
    ) => html`<article class="panel card"><h3><a href="/projects#${p.id}">${p.name}</a></h3><p class="muted">${p.description}</p>
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
