import type { APIRoute } from "astro";
import { html } from "../../../lib/escape";
import { fragment, isHtmx, readForm, redirectAfterPost, submittedKey } from "../../../lib/forms";
import { problemBox } from "../../../lib/fragments";

// Retry lands on the task's live page; Skip removes the row (or reloads /dlq without JavaScript).
export const POST: APIRoute = async ({ params, request, locals }) => {
  const action = params.action;
  if (action !== "retry" && action !== "skip") return new Response("Unknown action", { status: 404 });
  const form = await readForm(request);
  const id = params.id ?? "";
  const call = { idempotencyKey: submittedKey(form) };
  const result =
    action === "retry"
      ? await locals.api.retryDeadLetter(id, {}, call)
      : await locals.api.skipDeadLetter(id, call);
  if (!result.ok) {
    if (isHtmx(request)) return fragment(problemBox(result.problem).value);
    return fragment(
      html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dead letter</title></head><body>${problemBox(result.problem)}<p><a href="/dlq">Back</a></p></body></html>`
        .value,
      422,
    );
  }
  const taskId = result.data.taskId ?? form.taskId;
  if (action === "retry" && taskId) return redirectAfterPost(request, `/tasks/${encodeURIComponent(taskId)}`);
  // Skip from the run page: show the run page again (it now reads Skipped).
  if (form.from === "task" && taskId)
    return redirectAfterPost(request, `/tasks/${encodeURIComponent(taskId)}`);
  if (isHtmx(request))
    return fragment(
      html`<tr class="resolved-row"><td colspan="7" class="muted" role="status">Skipped: the task stays failed and is no longer a dead letter.</td></tr>`
        .value,
    );
  return redirectAfterPost(request, "/dlq");
};
