import type { TaskDetail } from "../contracts/tasks";
import { isTerminal } from "../domain/model/task-status";
import { BOT_CARD_MAX_BYTES, fitCard } from "./budget";
import { STATUS_COLOR, STATUS_LABEL, STEP_COLOR, STEP_ICON, typeLabel } from "./colors";
import { type CardJson, expandTemplate, loadTemplate } from "./expand";
import { withSubmitFallbacks } from "./fallback";
import { withPlanSection } from "./plan-section";
import { between, clip } from "./text";

const template = loadTemplate("task");

/** What keeps an ordinary worst-case card far below Teams' limit; the byte budget does the rest. */
export const TASK_CARD_LIMITS = { logLines: 8, logLineChars: 240, stepChars: 200, textChars: 400, steps: 12 };

type Limits = typeof TASK_CARD_LIMITS;

/**
 * Ever leaner cuts, tried in order until the card fits BOT_CARD_MAX_BYTES in UTF-8: CJK text costs
 * three bytes a character, so character limits alone let a card reach twice the budget.
 */
const LEANER: readonly Limits[] = [
  TASK_CARD_LIMITS,
  { logLines: 4, logLineChars: 160, stepChars: 120, textChars: 300, steps: 12 },
  { logLines: 2, logLineChars: 100, stepChars: 60, textChars: 200, steps: 8 },
  { logLines: 0, logLineChars: 0, stepChars: 40, textChars: 120, steps: 4 },
  { logLines: 0, logLineChars: 0, stepChars: 0, textChars: 60, steps: 0 },
];

const TITLE_VERB: Record<string, string> = {
  deploy: "Deploy to",
  "db.backup": "Back up",
  "db.restore": "Restore",
  "k8s.restart": "Restart",
  "sandbox.create": "Create sandbox",
  "sandbox.expire": "Expire sandbox",
};

export interface TaskCardOptions {
  /** Base of the dashboard deep link, e.g. https://cloudops.contoso.com (no trailing slash). */
  publicUrl: string;
  /** A line shown to the reader above the facts, e.g. why their click changed nothing. */
  notice?: string;
  /** The clock for running durations; tests pass a fixed one. */
  now?: Date;
  /**
   * Teams user ids (`29:…`) whose clients refresh the card on their own: the requester and whoever
   * acted on it. Teams refreshes for every viewer of a chat of up to 60 people when the list is absent.
   */
  refreshUserIds?: readonly string[];
  /**
   * What the task acts on, as people name it (`shop/prod` for a deploy), shown in the title instead
   * of the entity id. The bot looks it up through the API.
   */
  entityLabel?: string;
  /** UTF-8 byte budget of the whole card (default BOT_CARD_MAX_BYTES). */
  maxBytes?: number;
}

/** Teams reads at most 60 `userIds` in a card's `refresh`. */
export const MAX_REFRESH_USERS = 60;

/** The card that follows one task from queued to its end: status, steps, progress, logs and actions. */
export function buildTaskCard(task: TaskDetail, options: TaskCardOptions): CardJson {
  const now = options.now ?? new Date();
  return fitCard(
    LEANER.map((limits) => () => build(task, options, limits, now)),
    options.maxBytes ?? BOT_CARD_MAX_BYTES,
  );
}

function build(task: TaskDetail, options: TaskCardOptions, L: Limits, now: Date): CardJson {
  const steps = task.steps.slice(0, L.steps);
  const counted = task.steps;
  const done = counted.filter((s) => s.status === "succeeded" || s.status === "skipped").length;
  const running = counted.find((s) => s.status === "running");
  const percent =
    task.status === "succeeded"
      ? 100
      : counted.length === 0
        ? 0
        : Math.round(((done + (running ? running.percent / 100 : 0)) / counted.length) * 100);
  const facts = [
    { title: "Task", value: task.id },
    { title: "Requested by", value: clip(task.requestedBy, 120) },
    {
      title: "Attempt",
      value: `${Math.max(task.attempts, task.status === "queued" ? 0 : 1)} of ${task.maxAttempts}`,
    },
  ];
  if (task.status === "queued" && task.queuePosition !== null) {
    facts.push({
      title: "Queue position",
      value: task.queuePosition === 0 ? "next" : `${task.queuePosition} ahead`,
    });
  }
  const duration = between(task.startedAt, isTerminal(task.status) ? task.finishedAt : null, now);
  if (duration) facts.push({ title: isTerminal(task.status) ? "Took" : "Running for", value: duration });

  const logs = (L.logLines > 0 ? task.logs.slice(-L.logLines) : []).map((l) => ({
    line: clip(`${l.at.slice(11, 19)} ${l.message}`.replace(/\s+/g, " "), L.logLineChars),
    color: l.level === "error" ? "Attention" : l.level === "warn" ? "Warning" : "Default",
  }));
  const card = expandTemplate(template, {
    id: task.id,
    title: clip(
      `${TITLE_VERB[task.type] ?? typeLabel(task.type)} ${options.entityLabel || task.entityId}`,
      L.textChars,
    ),
    typeLabel: typeLabel(task.type),
    entityId: clip(task.entityId, L.textChars),
    statusLabel: STATUS_LABEL[task.status],
    statusColor: STATUS_COLOR[task.status],
    /** A demo operation on the simulated cluster: the badge keeps anyone from taking it for a real one. */
    simulated: task.result?.cluster === "simulated",
    notice: clip(options.notice ?? "", L.textChars),
    facts,
    percent,
    progressBar: bar(percent),
    moreSteps:
      task.steps.length > steps.length
        ? `${task.steps.length - steps.length} more steps on the dashboard`
        : "",
    steps: steps.map((s) => ({
      icon: STEP_ICON[s.status],
      name: clip(s.name, L.stepChars),
      label: s.status === "running" && s.percent > 0 ? `running ${s.percent}%` : s.status,
      color: STEP_COLOR[s.status],
      message: clip(s.message ?? "", L.stepChars),
      duration: between(s.startedAt, s.finishedAt, now),
    })),
    errorMessage: task.status === "failed" && task.error ? clip(task.error.message, L.textChars) : "",
    errorHint: task.status === "failed" && task.error?.hint ? clip(task.error.hint, L.textChars) : "",
    logsTitle:
      task.logs.length > logs.length ? `Last ${logs.length} of ${task.logs.length} log lines` : "Log",
    logs,
    moreLogs:
      logs.length === 0 && task.logs.length > 0
        ? `${task.logs.length} log lines on the dashboard`
        : task.logs.length > logs.length
          ? "More on the dashboard"
          : "",
    canRetry: task.status === "failed",
    canCancel: task.status === "queued" || task.status === "running" || task.status === "awaiting_approval",
    dashboardUrl: `${options.publicUrl}/tasks/${encodeURIComponent(task.id)}`,
  });
  return withSubmitFallbacks(setRefreshUsers(withPlanSection(card, task), options.refreshUserIds ?? []));
}

/** Sets the users whose clients auto-refresh a task card (distinct, at most 60, first ones kept). */
export function setRefreshUsers(card: CardJson, userIds: readonly string[]): CardJson {
  const refresh = card.refresh as Record<string, unknown> | undefined;
  if (!refresh) return card;
  const ids = [...new Set(userIds.filter((id) => id.length > 0))].slice(0, MAX_REFRESH_USERS);
  if (ids.length === 0) return card;
  return { ...card, refresh: { ...refresh, userIds: ids } };
}

function bar(percent: number): string {
  const filled = Math.round(Math.min(100, Math.max(0, percent)) / 10);
  return `${"█".repeat(filled)}${"░".repeat(10 - filled)}`;
}
