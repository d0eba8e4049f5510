import type { RateWindow } from "../platform/rate-limit/sliding-window-limiter";
import { TEAMS_CONVERSATION_LIMITS } from "./updater/teams-limits";

/**
 * Teams counts a bot's messages per conversation, replies in a channel thread included: the key is
 * the conversation id without its `;messageid=` thread suffix.
 */
export function conversationKey(conversationId: string): string {
  const cut = conversationId.indexOf(";messageid=");
  return cut < 0 ? conversationId : conversationId.slice(0, cut);
}

/** Slack for the connector's clock and ours; the windows are kept this much longer. */
const MARGIN_MS = 50;

/**
 * One rate limit per conversation for everything the bot sends there: replies, welcomes and card
 * updates share it, so ten commands at once in one thread cannot make ten sends in 2 s (Teams allows
 * 7 per second and 8 per 2 s per conversation).
 *
 * Teams counts a call when it arrives, somewhere between the moment the bot starts it and the moment
 * the answer is back; on a busy process that can be hundreds of milliseconds. So a call holds its
 * slot from its start and, once answered, the slot moves to the answer's time: the next call then
 * starts a full window after the earlier ones arrived, however long they took.
 */
export function createConversationGate(windows: readonly RateWindow[] = TEAMS_CONVERSATION_LIMITS) {
  const longest = Math.max(...windows.map((w) => w.windowMs)) + MARGIN_MS;
  const slots = new Map<string, Array<{ at: number }>>();

  function waitFor(key: string, now: number): number {
    const kept = (slots.get(key) ?? []).filter((s) => s.at > now - longest);
    if (kept.length === 0) slots.delete(key);
    else slots.set(key, kept);
    const times = kept.map((s) => s.at).sort((a, b) => a - b);
    let wait = 0;
    for (const w of windows) {
      const span = w.windowMs + MARGIN_MS;
      const inWindow = times.filter((t) => t > now - span);
      if (inWindow.length >= w.limit)
        wait = Math.max(wait, (inWindow[inWindow.length - w.limit] ?? now) + span - now);
    }
    return Math.max(0, Math.ceil(wait));
  }

  /** Runs `call` in a slot taken now: the slot's time becomes the time the call settled. */
  async function run<T>(key: string, call: () => Promise<T>): Promise<T> {
    const slot = { at: Date.now() };
    const list = slots.get(key) ?? [];
    list.push(slot);
    slots.set(key, list);
    try {
      return await call();
    } finally {
      slot.at = Math.max(slot.at, Date.now());
    }
  }

  return {
    /** Runs `call` now when the conversation has room, else answers how long to wait (and runs nothing). */
    async tryRun<T>(
      conversationId: string,
      call: () => Promise<T>,
    ): Promise<{ ran: true; value: T } | { ran: false; waitMs: number }> {
      const key = conversationKey(conversationId);
      const wait = waitFor(key, Date.now());
      if (wait > 0) return { ran: false, waitMs: wait };
      return { ran: true, value: await run(key, call) };
    },
    /** Waits for room in the conversation's windows, then runs `call`. */
    async run<T>(conversationId: string, call: () => Promise<T>): Promise<T> {
      const key = conversationKey(conversationId);
      for (let wait = waitFor(key, Date.now()); wait > 0; wait = waitFor(key, Date.now())) {
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
      return run(key, call);
    },
    /** Conversations with sends still inside a window (bounded memory check). */
    size: () => slots.size,
  };
}

export type ConversationGate = ReturnType<typeof createConversationGate>;
