import type { APIRoute } from "astro";
import type { TaskEvent } from "../../../../../domain/model/events";
import { html } from "../../../lib/escape";
import { newIdempotencyKey } from "../../../lib/forms";
import {
  isFinished,
  logLine,
  refreshNotice,
  stepCard,
  taskActions,
  taskSummary,
} from "../../../lib/fragments";
import { relayStream } from "../../../lib/live-stream";
import { planSlotPartial } from "../../../lib/plan-slot";

// Live task page: each API event becomes <hx-partial> fragments for the timeline, logs, summary and
// buttons. Log lines at or below `after` (already rendered) are never sent again.
export const GET: APIRoute = ({ params, request, locals, url }) => {
  const id = params.id ?? "";
  const after = /^\d+$/.test(url.searchParams.get("after") ?? "") ? Number(url.searchParams.get("after")) : 0;
  const { api, role, csrfToken, user } = locals;

  // The task as it is now: fragments plus whether it has really finished. Replayed events can be from an
  // earlier attempt (a failed status before a retry), so `done` follows the current status only.
  const snapshot = async (): Promise<{ html: string; finished: boolean }> => {
    const detail = await api.getTask(id);
    if (!detail.ok) return { html: "", finished: detail.problem.status === 404 };
    const t = detail.data;
    return {
      finished: isFinished(t.status),
      html: html`<hx-partial hx-target="#task-summary" hx-swap="outerHTML">${taskSummary(t)}</hx-partial>
<hx-partial hx-target="#task-actions" hx-swap="outerHTML">${taskActions(t, role, csrfToken, newIdempotencyKey())}</hx-partial>
<hx-partial hx-target="#timeline" hx-swap="innerHTML">${t.steps.map(stepCard)}</hx-partial>
<hx-partial hx-target="#announce" hx-swap="innerHTML">Status: ${t.status}</hx-partial>`.value,
    };
  };

  return relayStream(request, api, id, after > 0 ? String(after) : null, {
    async onMessage(message, send) {
      if (message.event === "done") {
        const now = await snapshot();
        if (now.html) send({ id: message.id, data: now.html });
        if (!now.finished) return "continue";
        send({ event: "done", data: "end" });
        return "end";
      }
      let event: TaskEvent;
      try {
        event = JSON.parse(message.data) as TaskEvent;
      } catch {
        return "continue";
      }
      if (event.data.kind === "log") {
        if (event.seq <= after) return "continue";
        const line = logLine({
          seq: event.seq,
          at: event.at,
          level: event.data.level,
          step: event.data.step ?? null,
          message: event.data.message,
        });
        send({
          id: message.id,
          data: html`<hx-partial hx-target="#logs" hx-swap="beforeend">${line}</hx-partial>`.value,
        });
        return "continue";
      }
      const now = await snapshot();
      if (now.html) send({ id: message.id, data: now.html });
      if (event.data.kind === "status" || event.data.kind === "approval") {
        const plan = await planSlotPartial(api, id, { user, role, csrf: csrfToken });
        if (plan) send({ id: message.id, data: plan });
      }
      if (event.data.kind === "status" && isFinished(event.data.status) && now.finished) {
        send({ event: "done", data: "end" });
        return "end";
      }
      return "continue";
    },
    onFailure(send) {
      send({
        data: html`<hx-partial hx-target="#live-status" hx-swap="innerHTML">${refreshNotice(`/tasks/${id}`)}</hx-partial>`
          .value,
      });
      send({ event: "done", data: "end" });
    },
  });
};
