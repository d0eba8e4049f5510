import type { APIRoute } from "astro";
import { html } from "../../../lib/escape";
import { newIdempotencyKey } from "../../../lib/forms";
import { isFinished, logLine } from "../../../lib/fragments";
import { loadNames } from "../../../lib/names";
import { partial, partialsResponse } from "../../../lib/partials";
import { planSlot } from "../../../lib/plan-slot";
import { activityRows, attemptRows, taskActions, taskSummary, timeline } from "../../../lib/run-page";

// The run page's live refresh (src/scripts/live-regions.ts asks after each event of this task, and
// after a reconnect): every section as it is now, plus the log lines after `after`.
export const GET: APIRoute = async ({ params, locals, url }) => {
  const id = params.id ?? "";
  const after = /^\d+$/.test(url.searchParams.get("after") ?? "") ? Number(url.searchParams.get("after")) : 0;
  const { api, role, csrfToken, user } = locals;
  const [detail, history, logs, names] = await Promise.all([
    api.getTask(id),
    api.getTaskHistory(id),
    api.getTaskLogs(id, { afterSeq: after }),
    loadNames(api),
  ]);
  if (!detail.ok) return new Response(null, { status: detail.problem.status === 502 ? 502 : 404 });
  const t = detail.data;
  const h = history.ok ? history.data : null;
  const lines = logs.ok ? logs.data.items : [];
  const parts = [
    partial("#task-summary", "outer", taskSummary(t, names, h)),
    partial("#task-actions", "outer", taskActions(t, role, csrfToken, newIdempotencyKey(), h, names)),
    partial("#timeline", "inner", timeline(t)),
    partial("#attempts", "inner", attemptRows(h)),
    partial("#activity", "inner", activityRows(h)),
    partial("#announce", "inner", html`Status: ${t.status}`),
    // Deploys and restores: the plan appears once it exists, then its approval decision.
    partial("#plan-slot", "inner", await planSlot(api, t, { user, role, csrf: csrfToken })),
  ];
  if (lines.length) parts.push(partial("#logs", "append", html`${lines.map(logLine)}`));
  return partialsResponse(parts, { "x-task-finished": isFinished(t.status) ? "1" : "0" });
};
