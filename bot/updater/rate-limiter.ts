/** A limit of `limit` sends in any window of `windowMs`. */
export interface RateWindow {
  limit: number;
  windowMs: number;
}

/** Teams' documented limits per bot per conversation: 7 per 1 s, 8 per 2 s, 60 per 30 s. */
export const TEAMS_CONVERSATION_LIMITS: readonly RateWindow[] = [
  { limit: 7, windowMs: 1000 },
  { limit: 8, windowMs: 2000 },
  { limit: 60, windowMs: 30_000 },
];

/**
 * Sliding-window limiter per conversation. Pure: the caller passes the clock. `take` either records a
 * send and answers 0, or answers how long to wait before asking again (and records nothing).
 */
export function createConversationLimiter(windows: readonly RateWindow[] = TEAMS_CONVERSATION_LIMITS) {
  const longest = Math.max(...windows.map((w) => w.windowMs));
  const sent = new Map<string, number[]>();

  function waitFor(conversationId: string, now: number): number {
    const times = (sent.get(conversationId) ?? []).filter((t) => t > now - longest);
    if (times.length === 0) sent.delete(conversationId);
    else sent.set(conversationId, times);
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
    take(conversationId: string, now: number): number {
      // Forget conversations whose sends all left the longest window, so memory stays bounded.
      for (const [id, times] of sent) if ((times.at(-1) ?? 0) <= now - longest) sent.delete(id);
      const wait = waitFor(conversationId, now);
      if (wait > 0) return wait;
      const times = sent.get(conversationId) ?? [];
      times.push(now);
      sent.set(conversationId, times);
      return 0;
    },
    /** Conversations with sends still inside a window (bounded memory check). */
    size: () => sent.size,
  };
}

export type ConversationLimiter = ReturnType<typeof createConversationLimiter>;
