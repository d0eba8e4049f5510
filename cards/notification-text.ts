/**
 * What a notification says, as plain text: shared by the Teams card and the email so both read the
 * same. Pure functions of a notification item (a JSON-safe summary of one finished task).
 */
export type FinishedStatus = "succeeded" | "failed" | "cancelled" | "awaiting_approval";

export interface NotificationItem {
  taskId: string;
  taskType: string;
  status: FinishedStatus;
  /** Human name of the entity, e.g. "shop/prod" for an environment, else the entity id. */
  entityLabel: string;
  requestedBy: string;
  /** ISO timestamps. */
  startedAt: string | null;
  finishedAt: string;
  error: string | null;
  /** An approval request: the plan's summary and checksum, and until when it may be approved. */
  detail?: string | null;
}

const TASK_LABELS: Record<string, string> = {
  deploy: "Deployment",
  "db.backup": "Database backup",
  "db.restore": "Database restore",
  "k8s.restart": "Restart",
  "sandbox.create": "Sandbox creation",
  "sandbox.expire": "Sandbox expiry",
};

export const taskLabel = (type: string): string => TASK_LABELS[type] ?? type;

export const isSandboxExpiry = (item: NotificationItem): boolean =>
  item.taskType === "sandbox.expire" && item.status === "succeeded";

/** "Deployment to shop/prod failed", "Sandbox shop/pr-7 expired". */
export function headline(item: NotificationItem): string {
  if (isSandboxExpiry(item)) return `Sandbox ${item.entityLabel} expired`;
  const preposition = item.taskType === "deploy" ? "to" : item.taskType === "db.restore" ? "into" : "of";
  if (item.status === "awaiting_approval")
    return `${taskLabel(item.taskType)} ${preposition} ${item.entityLabel} needs approval`;
  return `${taskLabel(item.taskType)} ${preposition} ${item.entityLabel} ${item.status}`;
}

/** "Expired" for a sandbox expiry, else the capitalised status. */
export function statusLabel(item: NotificationItem): string {
  if (isSandboxExpiry(item)) return "Expired";
  if (item.status === "awaiting_approval") return "Awaiting approval";
  return item.status.charAt(0).toUpperCase() + item.status.slice(1);
}

/** "4 tasks failed on prod/api in the last 2 minutes" (mixed outcomes list their counts). */
export function digestHeadline(items: NotificationItem[], now: Date): string {
  const entity = items[0]?.entityLabel ?? "";
  const period = periodText(items, now);
  const counts = new Map<string, number>();
  for (const item of items) {
    const label = isSandboxExpiry(item)
      ? "expired"
      : item.status === "awaiting_approval"
        ? "awaiting approval"
        : item.status;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  if (counts.size === 1) {
    const [label] = counts.keys();
    return `${items.length} tasks ${label} on ${entity} ${period}`;
  }
  const parts = [...counts.entries()].map(([label, n]) => `${n} ${label}`);
  return `${items.length} tasks finished on ${entity} ${period}: ${parts.join(", ")}`;
}

function periodText(items: NotificationItem[], now: Date): string {
  const earliest = Math.min(...items.map((i) => Date.parse(i.finishedAt)).filter(Number.isFinite));
  const minutes = Number.isFinite(earliest)
    ? Math.max(1, Math.round((now.getTime() - earliest) / 60_000))
    : 1;
  if (minutes === 1) return "in the last minute";
  if (minutes < 120) return `in the last ${minutes} minutes`;
  return `in the last ${Math.ceil(minutes / 60)} hours`;
}

/** "850 ms", "42 s", "3 min 05 s", "1 h 02 min"; "-" when the task never started. */
export function formatDuration(item: Pick<NotificationItem, "startedAt" | "finishedAt">): string {
  if (!item.startedAt) return "-";
  const ms = Date.parse(item.finishedAt) - Date.parse(item.startedAt);
  if (!Number.isFinite(ms) || ms < 0) return "-";
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

/** "2026-11-22 05:01 UTC": unambiguous for readers in any time zone. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export const taskUrl = (publicUrl: string, taskId: string): string =>
  `${publicUrl.replace(/\/$/, "")}/tasks/${encodeURIComponent(taskId)}`;
