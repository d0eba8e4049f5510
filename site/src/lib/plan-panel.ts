import type { PlanObject, TaskPlan } from "../../../contracts/plans";
import type { TaskDetail } from "../../../contracts/tasks";
import { html, type SafeHtml } from "./escape";
import type { Role } from "./site-locals";

// The task page's plan section (issue 12: the plan and its sha256 on the task page) and, while the
// task waits for a second person (issue 16), the Approve and Reject forms. Its own file so the task
// page only places it.

const SIGN: Record<PlanObject["action"], string> = { create: "+", update: "~", unchanged: "=" };
const when = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "");

function objectDiff(o: PlanObject): SafeHtml {
  const where = `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;
  const lines = [
    ...o.changed.map((c) => html`<li class="diff-changed">~ ${c.path}: ${c.from} → ${c.to}</li>`),
    ...o.added.map((a) => html`<li class="diff-added">+ ${a.path}: ${a.value}</li>`),
    ...o.removed.map((r) => html`<li class="diff-removed">- ${r.path}: ${r.value}</li>`),
  ];
  const more =
    o.omitted > 0 ? html`<li class="muted">${o.omitted} more field(s) in the plan artifact</li>` : "";
  return html`<details class="plan-object"${o.action === "unchanged" ? "" : " open"}><summary class="mono">${SIGN[o.action]} ${where} <span class="muted">(${o.action === "unchanged" ? "no changes" : o.action})</span></summary>${
    lines.length > 0 ? html`<ul class="plan-diff mono">${lines}${more}</ul>` : ""
  }</details>`;
}

function decision(task: TaskDetail): SafeHtml {
  const a = task.approval;
  if (!a) return html``;
  const comment = a.comment ? html`: “${a.comment}”` : "";
  switch (a.decision) {
    case "approved":
      return html`<p class="alert alert-ok" data-approval="approved"><strong>Approved by ${a.decidedBy}</strong> at ${when(a.decidedAt)}${comment}</p>`;
    case "rejected":
      return html`<p class="alert alert-error" data-approval="rejected"><strong>Rejected by ${a.decidedBy}</strong> at ${when(a.decidedAt)}${comment}</p>`;
    case "expired":
      return html`<p class="alert alert-error" data-approval="expired"><strong>Approval expired</strong>: nobody approved it before ${when(a.expiresAt)}</p>`;
    default:
      return html`<p class="alert alert-warn" data-approval="waiting"><strong>Awaiting approval</strong> by an operator or admin other than ${task.requestedBy}, until ${when(a.expiresAt)}. The environment's other tasks wait behind it.</p>`;
  }
}

function decisionForms(
  task: TaskDetail,
  sha256: string,
  who: { user: string; role: Role; csrf: string; idempotencyKey: string },
): SafeHtml {
  const viewer = who.role === "viewer";
  const own = task.requestedBy === who.user;
  const approveWhy = viewer
    ? "Approving needs the operator or admin role (your role is viewer)"
    : own
      ? "You requested this task: a second person must approve it"
      : "Run exactly this plan";
  const rejectWhy = viewer
    ? "Rejecting needs the operator or admin role (your role is viewer)"
    : "Cancel it; nothing is applied";
  const hidden = (suffix: string) =>
    html`<input type="hidden" name="_csrf" value="${who.csrf}"><input type="hidden" name="idempotencyKey" value="${who.idempotencyKey}-${suffix}"><input type="hidden" name="planSha256" value="${sha256}">`;
  return html`<div class="approval-forms">
<form method="post" action="/tasks/${task.id}/approve" hx-post="/tasks/${task.id}/approve" hx-target="#approval-result">
${hidden("approve")}
<label>Comment (optional) <input name="comment" maxlength="500" autocomplete="off"${viewer ? " disabled" : ""}></label>
<button class="btn btn-primary" type="submit"${viewer || own ? " disabled" : ""} title="${approveWhy}">Approve</button>
<button class="btn btn-danger" type="submit" formaction="/tasks/${task.id}/reject" hx-post="/tasks/${task.id}/reject"${viewer ? " disabled" : ""} title="${rejectWhy}">Reject</button>
</form>
${own && !viewer ? html`<p class="hint">You requested this task, so someone else approves it; you may still reject or cancel it.</p>` : ""}
<div id="approval-result" aria-live="polite"></div>
</div>`;
}

/** The plan section of the task page; empty when the task has no plan. */
export function planPanel(
  task: TaskDetail,
  plan: TaskPlan | null,
  who: { user: string; role: Role; csrf: string; idempotencyKey: string },
): SafeHtml {
  const sha256 = task.approval?.planSha256 ?? plan?.sha256;
  if (!sha256) return html``;
  const summary = plan?.summary ?? task.approval?.summary ?? "";
  const lines = plan?.lines.length ? plan.lines : (task.approval?.lines ?? []);
  const verified =
    plan?.verified === true
      ? html` <span class="chip chip-succeeded"><span class="chip-dot" aria-hidden="true"></span>file matches</span>`
      : plan?.verified === false
        ? html` <span class="chip chip-failed"><span class="chip-dot" aria-hidden="true"></span>file does not match</span>`
        : "";
  const body =
    plan && plan.objects.length > 0
      ? html`<div class="plan-objects">${plan.objects.map(objectDiff)}</div>`
      : lines.length > 0
        ? html`<ul class="plan-diff mono">${lines.map((l) => html`<li>${l}</li>`)}</ul>`
        : "";
  return html`<section class="panel" id="plan" aria-labelledby="plan-title">
<h2 id="plan-title">Plan</h2>
<p><strong>${summary}</strong>${plan?.createNamespace ? html` · creates namespace <span class="mono">${plan.namespace ?? ""}</span>` : ""}</p>
<p class="mono plan-sha">sha256 ${sha256}${verified}</p>
${decision(task)}
${body}
${task.status === "awaiting_approval" ? decisionForms(task, sha256, who) : ""}
</section>`;
}
