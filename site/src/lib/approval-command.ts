import type { APIContext } from "astro";
import { html } from "./escape";
import { fragment, isHtmx, readForm, redirectAfterPost, submittedKey } from "./forms";
import { problemBox } from "./fragments";

/** Approve or Reject from the task page's plan section: call the API, then show the task again or why not. */
export async function approvalCommand(
  context: APIContext,
  decision: "approve" | "reject",
): Promise<Response> {
  const id = context.params.id ?? "";
  const form = await readForm(context.request);
  const { api } = context.locals;
  const call = { idempotencyKey: submittedKey(form) };
  const comment = form.comment ? { comment: form.comment.slice(0, 500) } : {};
  const planSha256 = /^[0-9a-f]{64}$/.test(form.planSha256 ?? "") ? { planSha256: form.planSha256 } : {};
  const result =
    decision === "approve"
      ? await api.approveTask(id, { ...planSha256, ...comment }, call)
      : await api.rejectTask(id, comment, call);
  // Either way the page shows the new state: queued then running, or cancelled.
  if (result.ok) return redirectAfterPost(context.request, `/tasks/${id}`);
  const box = problemBox(result.problem).value;
  if (isHtmx(context.request)) return fragment(box);
  return fragment(
    html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${decision} refused</title></head><body>${problemBox(result.problem)}<p><a href="/tasks/${id}">Back to the task</a></p></body></html>`
      .value,
    result.problem.status >= 500 ? 502 : result.problem.status,
  );
}
