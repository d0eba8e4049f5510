import type { RateWindow } from "../../platform/rate-limit/sliding-window-limiter";

/** Teams' documented limits per bot per conversation: 7 per 1 s, 8 per 2 s, 60 per 30 s. */
export const TEAMS_CONVERSATION_LIMITS: readonly RateWindow[] = [
  { limit: 7, windowMs: 1000 },
  { limit: 8, windowMs: 2000 },
  { limit: 60, windowMs: 30_000 },
];
