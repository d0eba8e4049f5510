import { DEPLOY_TEMPLATES } from "../../../domain/model/deploy-templates";
import { DB_ENGINES, TASK_TYPES } from "../../../domain/model/task-types";
import { html, SafeHtml } from "./escape";
import { problemBox } from "./fragments";
import type { ProjectWithEnvironments as Project } from "./loaders";

export const QUICK_ACTIONS = {
  deploy: "Deploy",
  backup: "Backup a database",
  restore: "Restore a database",
  restart: "Restart pods",
  sandbox: "Create a sandbox",
} as const;
export type QuickAction = keyof typeof QUICK_ACTIONS;

export function isQuickAction(value: unknown): value is QuickAction {
  return typeof value === "string" && Object.hasOwn(QUICK_ACTIONS, value);
}

const STEPS: Record<QuickAction, readonly string[]> = {
  deploy: TASK_TYPES.deploy.steps,
  backup: TASK_TYPES["db.backup"].steps,
  restore: TASK_TYPES["db.restore"].steps,
  restart: TASK_TYPES["k8s.restart"].steps,
  sandbox: TASK_TYPES["sandbox.create"].steps,
};

const ATTEMPTS: Record<QuickAction, number> = {
  deploy: TASK_TYPES.deploy.retry.maxAttempts,
  backup: TASK_TYPES["db.backup"].retry.maxAttempts,
  restore: TASK_TYPES["db.restore"].retry.maxAttempts,
  restart: TASK_TYPES["k8s.restart"].retry.maxAttempts,
  sandbox: TASK_TYPES["sandbox.create"].retry.maxAttempts,
};

export interface FormProblem {
  title: string;
  detail: string;
  hint?: string;
  code: string;
  /** Per-field validation messages (from the API's `errors`), shown on the field. */
  errors?: Array<{ path: string; message: string }>;
}

// The API's field paths, as the form names its fields and as a person reads the fix.
const FIELD_WORDS: Record<string, string> = {
  target: "Choose the environment to deploy to.",
  envId: "Choose the environment to deploy to.",
  projectId: "Choose a project.",
  templateId: "Choose a template.",
  instanceId: "Enter the id of a database instance, e.g. shop-prod-db.",
  artifactId: "Enter the id of a backup, e.g. art_…",
  namespace: "Enter a Kubernetes namespace: lowercase letters, digits and dashes.",
  name: "Use lowercase letters, digits and dashes (at most 63).",
  ttlMinutes: "Choose between 5 and 10080 minutes (a week).",
  failTimes: "Choose a number from 1 to 10.",
  failAt: "Choose one of the listed steps.",
};

/** Which form field each problem is about, in plain words. */
export function invalidFields(problem: FormProblem | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const error of problem?.errors ?? []) {
    const field = error.path.split(".")[0] ?? "";
    const name = field === "envId" ? "target" : field;
    out.set(name, FIELD_WORDS[field] ?? error.message);
  }
  return out;
}

/** Marks each invalid control (aria-invalid, aria-describedby) and puts its message right after its label. */
function markInvalid(fields: string, invalid: Map<string, string>): string {
  let out = fields;
  for (const [name, message] of invalid) {
    const at = out.indexOf(`name="${name}"`);
    if (at < 0) continue;
    const id = `qerr-${name}`;
    out = `${out.slice(0, at)}name="${name}" aria-invalid="true" aria-describedby="${id}"${out.slice(at + name.length + 7)}`;
    const close = out.indexOf("</label>", at);
    if (close < 0) continue;
    const after = close + "</label>".length;
    out = `${out.slice(0, after)}${html`<p class="field-error" id="${id}">${message}</p>`.value}${out.slice(after)}`;
  }
  return out;
}

/** Turns a submitted quick-action form into the API call that creates the task. */
export function toApiCall(
  kind: QuickAction,
  form: Record<string, string>,
): { path: string; body: Record<string, unknown> } | { problem: FormProblem } {
  const need = (...names: string[]) => names.filter((n) => !form[n]);
  const missing = (names: string[]) => ({
    problem: {
      title: "Some fields are missing",
      detail: "Fill in the marked fields.",
      code: "form_incomplete",
      errors: names.map((path) => ({ path, message: "required" })),
    },
  });
  // Exactly what the person chose: fail n times (each retried), or once for good (a dead letter).
  const failure: Record<string, unknown> = form.failAt
    ? form.failMode === "permanent"
      ? { failAt: form.failAt, failPermanently: true }
      : { failAt: form.failAt, failTimes: Number(form.failTimes || "1") }
    : {};
  const seg = (v: string | undefined) => encodeURIComponent(v ?? "");
  switch (kind) {
    case "deploy": {
      const [projectId, envId] = (form.target ?? "").split("|");
      const gaps = [...(projectId && envId ? [] : ["target"]), ...need("templateId")];
      if (gaps.length || !projectId || !envId) return missing(gaps);
      return {
        path: "/api/deployments",
        body: { projectId, envId, templateId: form.templateId, params: {}, ...failure },
      };
    }
    case "backup": {
      const gaps = need("engine", "instanceId");
      if (gaps.length) return missing(gaps);
      return { path: `/api/db/${seg(form.engine)}/${seg(form.instanceId)}/backup`, body: { ...failure } };
    }
    case "restore": {
      const gaps = need("engine", "instanceId", "artifactId", "target");
      if (gaps.length) return missing(gaps);
      return {
        path: `/api/db/${seg(form.engine)}/${seg(form.instanceId)}/restore`,
        body: { artifactId: form.artifactId, target: form.target, ...failure },
      };
    }
    case "restart": {
      const gaps = need("namespace", "name");
      if (gaps.length) return missing(gaps);
      return {
        path: `/api/k8s/workloads/${seg(form.namespace)}/${seg(form.name)}:restart`,
        body: { ...failure },
      };
    }
    case "sandbox": {
      const gaps = need("projectId", "ttlMinutes");
      if (gaps.length) return missing(gaps);
      return {
        path: "/api/sandboxes",
        body: {
          projectId: form.projectId,
          ttlMinutes: Number(form.ttlMinutes),
          ...(form.name ? { name: form.name } : {}),
          ...failure,
        },
      };
    }
  }
}

interface FormState {
  kind: QuickAction;
  projects: Project[];
  values: Record<string, string>;
  problem: FormProblem | null;
  csrf: string;
  idempotencyKey: string;
  /** Viewers see the form but cannot submit it. */
  canSubmit: boolean;
}

const option = (value: string, label: string, selected: string | undefined, confirm?: string) =>
  html`<option value="${value}"${value === selected ? " selected" : ""}${confirm ? html` data-confirm="${confirm}"` : ""}>${label}</option>`;

/** The small form behind a navbar quick action (also served as a full page without JavaScript). */
export function quickActionForm(s: FormState): SafeHtml {
  const v = s.values;
  const invalid = invalidFields(s.problem);
  const fields = new SafeHtml(markInvalid(FIELDS[s.kind](s.projects, v).value, invalid));
  return html`<form class="form" id="quick-form" method="post" action="/actions/${s.kind}" hx-post="/actions/${s.kind}" hx-target="#quick-form" hx-swap="outerHTML" aria-labelledby="quick-title">
<h2 id="quick-title">${QUICK_ACTIONS[s.kind]}</h2>
<input type="hidden" name="_csrf" value="${s.csrf}">
<input type="hidden" name="idempotencyKey" value="${s.idempotencyKey}">
${fields}
<details${v.failAt ? " open" : ""}><summary>Practise a failure (demo only)</summary>
<p class="muted field-help">Make one step fail on purpose, to see retries and dead letters at work. A failed step is retried after a short wait; this task gets ${ATTEMPTS[s.kind]} attempts in all.</p>
<label>Step that fails
<select name="failAt">${option("", "none: run normally", v.failAt)}${STEPS[s.kind].map((step) => option(step, step, v.failAt))}</select></label>
<label>How it fails
<select name="failMode">${option("times", "a number of times, then it works", v.failMode)}${option("permanent", "for good: straight to Dead letters", v.failMode)}</select></label>
<label>Number of failures <span class="muted">(with “a number of times”)</span>
<input name="failTimes" type="number" min="1" max="10" value="${v.failTimes || "1"}" aria-describedby="fail-times-help"></label>
<p id="fail-times-help" class="muted field-help">Up to ${ATTEMPTS[s.kind] - 1}: the task succeeds on a retry. ${ATTEMPTS[s.kind]} or more: it runs out of attempts and lands in Dead letters.</p>
</details>
<div id="quick-error">${s.problem ? (invalid.size ? html`<p class="alert alert-error" role="alert"><strong>Not started:</strong> fix the marked field${invalid.size > 1 ? "s" : ""}.</p>` : problemBox(s.problem)) : ""}</div>
<div class="form-actions"><button class="btn btn-primary" type="submit"${s.canSubmit ? "" : " disabled"}>Start</button>
${s.canSubmit ? "" : html`<span class="muted">Your role is viewer: switch it on Settings to run tasks.</span>`}</div>
</form>`;
}

const projectOptions = (projects: Project[], selected: string | undefined) =>
  projects.map((p) => option(p.id, p.name, selected));

const engineSelect = (v: Record<string, string>) =>
  html`<label>Engine <select name="engine" required>${DB_ENGINES.map((e) => option(e, e, v.engine))}</select></label>`;

const FIELDS: Record<QuickAction, (projects: Project[], v: Record<string, string>) => SafeHtml> = {
  deploy: (projects, v) => html`<label>Target environment <select name="target" required>
${projects.map((p) => html`<optgroup label="${p.name}">${p.environments.map((e) => option(`${p.id}|${e.id}`, `${p.name} / ${e.name} (${e.type})`, v.target, e.type === "prod" ? `Deploy to the prod environment ${p.name}/${e.name}? People use it now.` : undefined))}</optgroup>`)}
</select></label>
<label>Template <select name="templateId" required>${DEPLOY_TEMPLATES.map((t) => option(t, t, v.templateId))}</select></label>`,
  backup: (_p, v) => html`${engineSelect(v)}
<label>Instance <input name="instanceId" required placeholder="shop-prod-db" value="${v.instanceId ?? "shop-prod-db"}"></label>`,
  restore: (_p, v) => html`${engineSelect(v)}
<label>Instance <input name="instanceId" required value="${v.instanceId ?? "shop-prod-db"}"></label>
<label>Backup artifact id <input name="artifactId" required placeholder="art_…" value="${v.artifactId ?? ""}"></label>
<label>Restore into <input name="target" required placeholder="shop-prod-db-restored" value="${v.target ?? ""}"></label>`,
  restart: (
    _p,
    v,
  ) => html`<label>Namespace <input name="namespace" required value="${v.namespace ?? "prod"}"></label>
<label>Workload <input name="name" required value="${v.name ?? "api"}"></label>`,
  sandbox: (
    projects,
    v,
  ) => html`<label>Project <select name="projectId" required>${projectOptions(projects, v.projectId)}</select></label>
<label>Time to live (minutes) <input name="ttlMinutes" type="number" min="5" max="10080" required value="${v.ttlMinutes ?? "60"}"></label>
<label>Name <span class="muted">(optional)</span> <input name="name" value="${v.name ?? ""}" placeholder="sbx-feature-x"></label>`,
};
