// C0/C1 control characters other than tab and newline: unreadable on a card, and JSON escapes each
// one as six bytes (`\u0001`), so a log full of them weighs six times its length.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `text` with control characters (other than tab and newline) replaced by a space. */
export function printable(text: string): string {
  return text.replace(CONTROL, " ");
}

/**
 * Cuts `text` to at most `max` characters (code points, so an emoji or CJK character is never split),
 * marking the cut so a reader knows something is missing. Control characters become spaces.
 */
export function clip(text: string, max: number): string {
  const clean = printable(text);
  if (clean.length <= max) return clean;
  const points = Array.from(clean);
  if (points.length <= max) return clean;
  return `${points.slice(0, Math.max(0, max - 1)).join("")}…`;
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
