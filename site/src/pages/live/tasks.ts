import type { APIRoute } from "astro";
import type { TaskEvent } from "../../../../domain/model/events";
import { html } from "../../lib/escape";
import { isFinished, refreshNotice, taskRow } from "../../lib/fragments";
import { homeStats, sandboxPanel } from "../../lib/home-panels";
import { relayStream } from "../../lib/live-stream";
import { matchesText, nameCache } from "../../lib/names";

// Task lists: every status change becomes a `task` event carrying the row HTML (src/scripts/live-rows.ts
// places it). With ?home=1 the counters and the environments card are re-rendered as partials too.
export const GET: APIRoute = ({ request, locals, url }) => {
  const { api } = locals;
  const filter = {
    status: url.searchParams.get("status") ?? "",
    type: url.searchParams.get("type") ?? "",
    entityId: url.searchParams.get("entityId") ?? "",
    q: url.searchParams.get("q") ?? "",
  };
  const names = nameCache(api);
  const home = url.searchParams.get("home") === "1";

  return relayStream(request, api, null, null, {
    async onMessage(message, send) {
      let event: TaskEvent;
      try {
        event = JSON.parse(message.data) as TaskEvent;
      } catch {
        return "continue";
      }
      if (event.data.kind !== "status") return "continue";
      const got = await api.getTask(event.taskId);
      if (!got.ok) return "continue";
      const task = got.data;
      const known = await names.forTask(task);
      const matches =
        (!filter.status || filter.status === task.status) &&
        (!filter.type || filter.type === task.type) &&
        (!filter.entityId || filter.entityId === task.entityId) &&
        matchesText(task, filter.q, known);
      const row = taskRow(task, known).value.replace("<tr ", `<tr data-match="${matches ? 1 : 0}" `);
      send({ event: "task", id: message.id, data: row });
      if (home) {
        const partials = [
          html`<hx-partial hx-target="#stats" hx-swap="innerHTML">${await homeStats(api, known)}</hx-partial>`,
        ];
        if (task.type.startsWith("sandbox.") && isFinished(task.status)) {
          partials.push(
            html`<hx-partial hx-target="#environments" hx-swap="innerHTML">${await sandboxPanel(api)}</hx-partial>`,
          );
        }
        send({ id: message.id, data: partials.map((p) => p.value).join("\n") });
      }
      return "continue";
    },
    onFailure(send) {
      send({
        data: html`<hx-partial hx-target="#live-status" hx-swap="innerHTML">${refreshNotice(url.pathname)}</hx-partial>`
          .value,
      });
      send({ event: "done", data: "end" });
    },
  });
};
