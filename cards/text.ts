/** Cuts `text` to at most `max` characters, marking the cut so a reader knows something is missing. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** "850 ms", "12 s", "3 min 4 s", "1 h 2 min": durations people read at a glance. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** The time between two ISO instants (the end defaults to `now`), or "" when it has not started. */
export function between(start: string | null, end: string | null, now: Date): string {
  if (!start) return "";
  const from = Date.parse(start);
  const to = end ? Date.parse(end) : now.getTime();
  return formatDuration(to - from);
}

/** 52431112 -> "50.0 MB": sizes as people read them. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
