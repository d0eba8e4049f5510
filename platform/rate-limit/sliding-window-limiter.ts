/** A limit of `limit` sends in any window of `windowMs`. */
export interface RateWindow {
  limit: number;
  windowMs: number;
}

/**
 * Sliding-window limiter per key (several windows at once, e.g. 7 per 1 s and 8 per 2 s), in memory.
 * Pure: the caller passes the clock. `take` either records a send and answers 0, or answers how long
 * to wait before asking again (and records nothing).
 */
export function createSlidingWindowLimiter(windows: readonly RateWindow[]) {
  const longest = Math.max(...windows.map((w) => w.windowMs));
  const sent = new Map<string, number[]>();

  function waitFor(key: string, now: number): number {
    const times = (sent.get(key) ?? []).filter((t) => t > now - longest);
    if (times.length === 0) sent.delete(key);
    else sent.set(key, times);
    let wait = 0;
    for (const w of windows) {
      const inWindow = times.filter((t) => t > now - w.windowMs);
      if (inWindow.length >= w.limit) {
        // The send that must age out of the window before another fits.
        const blocking = inWindow[inWindow.length - w.limit] ?? now;
        wait = Math.max(wait, blocking + w.windowMs - now);
      }
    }
    return wait;
  }

  return {
    take(key: string, now: number): number {
      // Forget keys whose sends all left the longest window, so memory stays bounded.
      for (const [id, times] of sent) if ((times.at(-1) ?? 0) <= now - longest) sent.delete(id);
      const wait = waitFor(key, now);
      if (wait > 0) return wait;
      const times = sent.get(key) ?? [];
      times.push(now);
      sent.set(key, times);
      return 0;
    },
    /** Keys with sends still inside a window (bounded memory check). */
    size: () => sent.size,
  };
}

export type SlidingWindowLimiter = ReturnType<typeof createSlidingWindowLimiter>;
