import type { APIContext } from "astro";
import { html } from "./escape";
import { fragment, isHtmx, readForm, redirectAfterPost, submittedKey } from "./forms";
import { problemBox } from "./fragments";

/** Retry or Cancel from the task page: call the API, then show the live page again or the problem. */
export async function taskCommand(context: APIContext, command: "retry" | "cancel"): Promise<Response> {
  const id = context.params.id ?? "";
  const form = await readForm(context.request);
  const { api } = context.locals;
  const call = { idempotencyKey: submittedKey(form) };
  const result =
    command === "retry"
      ? await api.retryTask(id, { fromScratch: form.fromScratch === "true" }, call)
      : await api.cancelTask(id, call);
  if (result.ok) {
    // A retried task runs again (a fresh live stream); a cancel shows up on the open stream.
    if (command === "retry" || !isHtmx(context.request))
      return redirectAfterPost(context.request, `/tasks/${result.data.taskId}`);
    const outcome =
      "outcome" in result.data && result.data.outcome === "cancelling"
        ? "Cancelling: the running step stops at its next check."
        : "Cancelled.";
    return fragment(html`<p class="alert alert-ok" role="status"><strong>${outcome}</strong></p>`.value);
  }
  const box = problemBox(result.problem).value;
  if (isHtmx(context.request)) return fragment(box);
  return fragment(
    html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${command} failed</title></head><body>${problemBox(result.problem)}<p><a href="/tasks/${id}">Back to the task</a></p></body></html>`
      .value,
    result.problem.status >= 500 ? 502 : result.problem.status,
  );
}
