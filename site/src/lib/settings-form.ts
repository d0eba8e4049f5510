import type { TestNotificationResult } from "../../../contracts/notifications";
import { DEFAULT_NOTIFY_ON, NOTIFY_ON, type NotifyOn } from "../../../domain/model/notify-on";
import type { Problem } from "./api-client";
import { html, type SafeHtml } from "./escape";
import { problemBox } from "./fragments";

/** What a notification form shows: the saved settings, or what the person just submitted. */
export interface RouteValues {
  teamsWebhookUrl: string;
  emailList: string;
  /** null: the project follows the default list. */
  notifyOn: readonly NotifyOn[] | null;
}

export type Outcome =
  | { kind: "saved" }
  | { kind: "tested"; result: TestNotificationResult }
  | { kind: "problem"; problem: Problem };

const NOTIFY_LABELS: Record<NotifyOn, string> = {
  failed: "A task fails",
  cancelled: "A task is cancelled",
  succeeded: "Any task succeeds",
  "prod-deploy-succeeded": "A deploy to a prod environment succeeds",
  "sandbox-expired": "A sandbox expires",
};

/**
 * The API's field errors in words a person uses, keyed by form field. `emailList.2` names the third
 * address the person typed, so the message can quote it.
 */
export function fieldErrors(problem: Problem | null, emails: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const error of problem?.errors ?? []) {
    const [field = "", index] = error.path.split(".");
    if (field === "emailList") {
      const typed = emails[Number(index)];
      const text = typed ? `“${typed}” is not an email address.` : "One of these is not an email address.";
      out.set("emailList", `${out.has("emailList") ? `${out.get("emailList")} ` : ""}${text}`);
      if (!index) out.set("emailList", "At most 50 addresses.");
    } else if (field === "teamsWebhookUrl") {
      out.set("teamsWebhookUrl", "Enter the full webhook address, starting with https://");
    } else if (field === "notifyOn") {
      out.set("notifyOn", "Choose from the listed events.");
    }
  }
  return out;
}

function field(
  id: string,
  name: string,
  label: SafeHtml,
  input: { type: string; value: string; placeholder: string; autocomplete?: string },
  error: string | undefined,
): SafeHtml {
  const errorId = `${id}-error`;
  return html`<div class="field${error ? " field-invalid" : ""}">
<label for="${id}">${label}</label>
<input id="${id}" type="${input.type}" name="${name}" value="${input.value}" placeholder="${input.placeholder}"${input.autocomplete ? html` autocomplete="${input.autocomplete}"` : ""}${error ? html` aria-invalid="true" aria-describedby="${errorId}"` : ""}>
${error ? html`<p class="field-error" id="${errorId}">${error}</p>` : ""}
</div>`;
}

const STATUS_WORDS: Record<string, string> = {
  delivered: "delivered",
  failed: "failed",
  skipped: "skipped",
  would_send: "would send (demo: not sent)",
};

/** Each route's real outcome; green only when every route delivered. */
export function testResult(result: TestNotificationResult): SafeHtml {
  if (result.outcomes.length === 0)
    return html`<div class="alert alert-muted" role="status"><strong>Nothing was sent:</strong> the project has no notification routes yet. Save a webhook or an email first.</div>`;
  const failed = result.outcomes.filter((o) => o.status === "failed").length;
  const allDelivered = result.outcomes.every((o) => o.status === "delivered");
  const kind = failed ? "alert-error" : allDelivered ? "alert-ok" : "alert-muted";
  const head = failed
    ? `Test notification: ${failed} of ${result.outcomes.length} route${result.outcomes.length > 1 ? "s" : ""} failed.`
    : allDelivered
      ? "Test notification sent."
      : "Test notification: not every route was delivered.";
  return html`<div class="alert ${kind}" role="${failed ? "alert" : "status"}"><strong>${head}</strong>
<ul class="route-outcomes">${result.outcomes.map(
    (o) =>
      html`<li class="route-${o.status}">${o.channel} → ${o.target}: ${STATUS_WORDS[o.status] ?? o.status}${o.reason ? html` <span class="muted">(${o.reason})</span>` : ""}</li>`,
  )}</ul></div>`;
}

function outcomeBox(outcome: Outcome | null, invalidFields: boolean): SafeHtml | string {
  if (!outcome) return "";
  if (outcome.kind === "saved")
    return html`<p class="alert alert-ok" role="status"><strong>Saved.</strong> New notifications use these routes.</p>`;
  if (outcome.kind === "tested") return testResult(outcome.result);
  if (invalidFields)
    return html`<p class="alert alert-error" role="alert"><strong>Not saved:</strong> fix the marked fields.</p>`;
  return problemBox(outcome.problem);
}

/** A project's notification routes: webhook, emails, which events; Save and Send test. */
export function settingsForm(s: {
  projectId: string;
  values: RouteValues;
  outcome: Outcome | null;
  csrf: string;
  idempotencyKey: string;
}): SafeHtml {
  const { projectId: p, values: v } = s;
  const emails = v.emailList.split(/[\s,;]+/).filter(Boolean);
  const errors = fieldErrors(s.outcome?.kind === "problem" ? s.outcome.problem : null, emails);
  const chosen = new Set<string>(v.notifyOn ?? DEFAULT_NOTIFY_ON);
  const notifyError = errors.get("notifyOn");
  return html`<form class="form" id="form-${p}" method="post" action="/settings" hx-post="/settings" hx-target="this" hx-swap="outerHTML" novalidate>
<input type="hidden" name="_csrf" value="${s.csrf}">
<input type="hidden" name="projectId" value="${p}">
<input type="hidden" name="idempotencyKey" value="${s.idempotencyKey}">
${field(`webhook-${p}`, "teamsWebhookUrl", html`Teams webhook URL <span class="muted">(optional)</span>`, { type: "url", value: v.teamsWebhookUrl, placeholder: "https://contoso.webhook.office.com/…", autocomplete: "off" }, errors.get("teamsWebhookUrl"))}
${field(`emails-${p}`, "emailList", html`Email addresses <span class="muted">(comma separated, optional)</span>`, { type: "text", value: v.emailList, placeholder: "oncall@contoso.com", autocomplete: "off" }, errors.get("emailList"))}
<fieldset class="notify-on"${notifyError ? html` aria-invalid="true" aria-describedby="notify-${p}-error"` : ""}>
<legend>Notify when</legend>
<input type="hidden" name="notifyOnShown" value="1">
${NOTIFY_ON.map((n) => html`<label class="check"><input type="checkbox" name="notifyOn" value="${n}"${chosen.has(n) ? " checked" : ""}> ${NOTIFY_LABELS[n]}</label>`)}
${v.notifyOn === null ? html`<p class="muted field-help">Using the default choice.</p>` : ""}
${notifyError ? html`<p class="field-error" id="notify-${p}-error">${notifyError}</p>` : ""}
</fieldset>
<div class="form-actions">
<button class="btn btn-primary" type="submit" name="intent" value="save">Save</button>
<button class="btn" type="submit" name="intent" value="test">Send test notification</button>
</div>
<div id="result-${p}" aria-live="polite">${outcomeBox(s.outcome, errors.size > 0)}</div>
</form>`;
}
