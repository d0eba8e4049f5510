import { describe, expect, it } from "vitest";
import { createSlidingWindowLimiter } from "./sliding-window-limiter";

// The windows Teams documents per conversation (bot/updater/teams-limits.ts).
const TEAMS_LIKE = [
  { limit: 7, windowMs: 1000 },
  { limit: 8, windowMs: 2000 },
  { limit: 60, windowMs: 30_000 },
];

describe("per-conversation rate limiter", () => {
  it("allows 7 sends in a second and makes the 8th wait for the window", () => {
    const limiter = createSlidingWindowLimiter(TEAMS_LIKE);
    for (let i = 0; i < 7; i++) expect(limiter.take("c", 1000 + i)).toBe(0);
    expect(limiter.take("c", 1010)).toBe(990);
    expect(limiter.take("c", 2000)).toBe(0);
  });

  it("allows 8 in two seconds", () => {
    const limiter = createSlidingWindowLimiter(TEAMS_LIKE);
    for (let i = 0; i < 7; i++) expect(limiter.take("c", i)).toBe(0);
    expect(limiter.take("c", 1500)).toBe(0);
    // 8 sends inside 2 s: the next waits until the first is 2 s old.
    expect(limiter.take("c", 1600)).toBe(400);
    expect(limiter.take("c", 2000)).toBe(0);
  });

  it("allows 60 in thirty seconds", () => {
    const limiter = createSlidingWindowLimiter(TEAMS_LIKE);
    let t = 0;
    for (let i = 0; i < 60; i++) {
      expect(limiter.take("c", t)).toBe(0);
      t += 400;
    }
    expect(limiter.take("c", t)).toBe(30_000 - t);
    expect(limiter.take("c", 30_000)).toBe(0);
  });

  it("counts each conversation on its own and forgets old ones", () => {
    const limiter = createSlidingWindowLimiter(TEAMS_LIKE);
    for (let i = 0; i < 7; i++) limiter.take("a", 0);
    expect(limiter.take("a", 1)).toBeGreaterThan(0);
    expect(limiter.take("b", 1)).toBe(0);
    limiter.take("a", 60_000);
    expect(limiter.size()).toBe(1);
  });
});
