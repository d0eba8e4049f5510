import { createSlidingWindowLimiter, type RateWindow } from "../platform/rate-limit/sliding-window-limiter";
import { TEAMS_CONVERSATION_LIMITS } from "./updater/teams-limits";

/**
 * Teams counts a bot's messages per conversation, replies in a channel thread included: the key is
 * the conversation id without its `;messageid=` thread suffix.
 */
export function conversationKey(conversationId: string): string {
  const cut = conversationId.indexOf(";messageid=");
  return cut < 0 ? conversationId : conversationId.slice(0, cut);
}

/**
 * One rate limit per conversation for everything the bot sends there: replies, welcomes and card
 * updates share it, so ten commands at once in one thread cannot make ten sends in 2 s (Teams allows
 * 7 per second and 8 per 2 s per conversation).
 */
export function createConversationGate(windows: readonly RateWindow[] = TEAMS_CONVERSATION_LIMITS) {
  const limiter = createSlidingWindowLimiter(windows);
  const tryTake = (conversationId: string): number =>
    limiter.take(conversationKey(conversationId), Date.now());
  return {
    /** Counts a send and answers 0, or answers how long to wait (and counts nothing). */
    tryTake,
    /** Waits for a free slot in the conversation's windows, then counts the send. */
    async take(conversationId: string): Promise<void> {
      for (let wait = tryTake(conversationId); wait > 0; wait = tryTake(conversationId)) {
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    },
  };
}

export type ConversationGate = ReturnType<typeof createConversationGate>;
