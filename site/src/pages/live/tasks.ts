import type { APIRoute } from "astro";
import type { TaskStatus } from "../../../../domain/model/task-status";
import { taskRow } from "../../lib/fragments";
import { homeStats, sandboxPanel } from "../../lib/home-panels";
import { loadNames, matchesText } from "../../lib/names";
import { partial, partialsResponse } from "../../lib/partials";

// Task lists' live refresh (src/scripts/live-regions.ts): `ids` are the tasks that changed since the
// last ask; each comes back as its row, marked whether it matches the list's filters (a new match is
// added on top). After a reconnect (no ids) the list's first page comes back whole. With home=1 the
// counters and the environments card come along.
export const GET: APIRoute = async ({ locals, url }) => {
  const { api } = locals;
  const q = url.searchParams;
  const filter = {
    status: q.get("status") ?? "",
    type: q.get("type") ?? "",
    entityId: q.get("entityId") ?? "",
    q: q.get("q") ?? "",
  };
  const ids = (q.get("ids") ?? "")
    .split(",")
    .filter((id) => /^tsk_[a-z0-9]+$/.test(id))
    .slice(0, 50);
  const limit = Math.min(Math.max(Number(q.get("limit") ?? "25") || 25, 1), 100);
  const names = await loadNames(api);
  const parts = [];
  if (ids.length) {
    const tasks = (await Promise.all(ids.map((id) => api.getTask(id)))).flatMap((r) =>
      r.ok ? [r.data] : [],
    );
    const rows = tasks.map((task) => {
      const matches =
        (!filter.status || filter.status === task.status) &&
        (!filter.type || filter.type === task.type) &&
        (!filter.entityId || filter.entityId === task.entityId) &&
        matchesText(task, filter.q, names);
      return taskRow(task, names).value.replace("<tr ", `<tr data-match="${matches ? 1 : 0}" `);
    });
    parts.push(partial("[data-live-rows]", "rows", rows.join("\n")));
  } else if (q.get("resync") === "1") {
    const page = await api.listTasks({
      ...(filter.status && { status: filter.status as TaskStatus }),
      ...(filter.type && { type: filter.type }),
      ...(filter.entityId && { entityId: filter.entityId }),
      ...(filter.q && { q: filter.q }),
      limit,
    });
    if (page.ok) {
      const rows = page.data.items.map((t) => taskRow(t, names).value.replace("<tr ", `<tr data-match="1" `));
      parts.push(partial("[data-live-rows]", "rows", rows.join("\n")));
    }
  }
  if (q.get("home") === "1") {
    parts.push(partial("#stats", "inner", await homeStats(api, names)));
    if (q.get("environments") === "1") parts.push(partial("#environments", "inner", await sandboxPanel(api)));
  }
  return partialsResponse(parts);
};
