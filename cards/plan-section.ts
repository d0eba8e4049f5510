import type { TaskDetail } from "../contracts/tasks";
import { type CardJson, expandTemplate, loadTemplate } from "./expand";
import { clip } from "./text";

const template = loadTemplate("task-plan");

/** What keeps the plan part of a task card small: lines shown and their length. */
export const PLAN_SECTION_LIMITS = { lines: 6, lineChars: 200, textChars: 400 };

/** The plan of a task as a card shows it: from its approval, else from the plan step's result. */
function planOf(task: TaskDetail): { sha256: string; summary: string; lines: string[] } | null {
  if (task.approval)
    return { sha256: task.approval.planSha256, summary: task.approval.summary, lines: task.approval.lines };
  const result = task.result ?? {};
  if (typeof result.planSha256 !== "string") return null;
  const counts = (result.plan ?? {}) as { add?: number; change?: number; unchanged?: number };
  return {
    sha256: result.planSha256,
    summary: `${counts.add ?? 0} to add, ${counts.change ?? 0} to change, ${counts.unchanged ?? 0} unchanged`,
    lines: Array.isArray(result.planLines) ? result.planLines.map(String) : [],
  };
}

function decisionText(task: TaskDetail): { status: string; statusColor: string } {
  const a = task.approval;
  if (!a) return { status: "", statusColor: "Default" };
  const when = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "");
  const comment = a.comment ? `: "${a.comment}"` : "";
  switch (a.decision) {
    case "approved":
      return { status: `Approved by ${a.decidedBy} at ${when(a.decidedAt)}${comment}`, statusColor: "Good" };
    case "rejected":
      return {
        status: `Rejected by ${a.decidedBy} at ${when(a.decidedAt)}${comment}`,
        statusColor: "Attention",
      };
    case "expired":
      return { status: `Nobody approved it before ${when(a.expiresAt)}: cancelled`, statusColor: "Warning" };
    default:
      return {
        status: `Waiting for an operator or admin other than ${task.requestedBy} to approve, until ${when(a.expiresAt)}`,
        statusColor: "Warning",
      };
  }
}

/**
 * Adds the plan (summary, first lines, sha256) to a task card, and while the task waits for approval
 * the Approve and Reject buttons (bound to the plan's checksum) with an optional comment. Leaves a
 * card of a task without a plan as it was.
 */
export function withPlanSection(card: CardJson, task: TaskDetail): CardJson {
  const plan = planOf(task);
  if (!plan) return card;
  const L = PLAN_SECTION_LIMITS;
  const waiting = task.status === "awaiting_approval";
  const part = expandTemplate(template, {
    id: task.id,
    style: waiting ? "warning" : "default",
    heading: waiting ? "Approval needed: plan" : "Plan",
    summary: clip(plan.summary, L.textChars),
    lines: plan.lines.slice(0, L.lines).map((line) => ({ line: clip(line, L.lineChars) })),
    more: plan.lines.length > L.lines ? `${plan.lines.length - L.lines} more line(s) on the dashboard` : "",
    sha256: plan.sha256,
    ...decisionText(task),
    canDecide: waiting,
  }) as { body?: unknown[]; actions?: unknown[] };
  const body = Array.isArray(card.body) ? [...card.body] : [];
  // After the facts, before the progress bar and steps: what is about to change comes first.
  const facts = body.findIndex((e) => (e as { type?: string }).type === "FactSet");
  body.splice(facts < 0 ? body.length : facts + 1, 0, ...(part.body ?? []));
  const actions = [...(part.actions ?? []), ...(Array.isArray(card.actions) ? card.actions : [])];
  return { ...card, body, actions };
}
