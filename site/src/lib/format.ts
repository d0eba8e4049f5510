/** "1m 05s", "2h 03m", "850 ms": compact durations for chips and rows. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** Time between two ISO stamps (or until now when the end is open). */
export function durationBetween(start: string | null, end: string | null, now = Date.now()): string {
  if (!start) return "–";
  const from = Date.parse(start);
  const to = end ? Date.parse(end) : now;
  return formatDuration(to - from);
}

/** "14:03:07" in UTC, with the full stamp left for a <time datetime> attribute. */
export function clock(iso: string | null): string {
  if (!iso) return "–";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "–" : d.toISOString().slice(11, 19);
}

/** "3 min ago" style relative time for lists. */
export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return "–";
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return "–";
  if (ms < 45_000) return "just now";
  return `${formatDuration(ms).split(" ")[0]} ago`;
}

/** Time left until an ISO stamp: "42m left" or "expired". */
export function timeLeft(iso: string | null, now = Date.now()): string {
  if (!iso) return "no expiry";
  const ms = Date.parse(iso) - now;
  return ms <= 0 ? "expired" : `${formatDuration(ms)} left`;
}

/** "2026-01-05 10:00:04 UTC": the exact stamp shown on hover next to relative times. */
export function exactTime(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}
