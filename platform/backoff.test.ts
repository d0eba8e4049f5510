import { describe, expect, it } from "vitest";
import { backoffCeiling, backoffDelay } from "./backoff";

const policy = { baseDelayMs: 100, maxDelayMs: 5_000 };

describe("backoffDelay", () => {
  it("doubles its ceiling with each attempt until the cap", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => backoffCeiling(a, policy))).toEqual([
      100, 200, 400, 800, 1600, 3200, 5000,
    ]);
    expect(backoffCeiling(60, policy)).toBe(5_000);
  });

  it("stays within [0, ceiling) for any random draw", () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      for (const r of [0, 0.25, 0.5, 0.999999]) {
        const d = backoffDelay(attempt, policy, () => r);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(backoffCeiling(attempt, policy));
      }
    }
  });

  it("is full jitter: the lowest draw gives 0 and the highest nearly the ceiling", () => {
    expect(backoffDelay(4, policy, () => 0)).toBe(0);
    expect(backoffDelay(4, policy, () => 0.9999)).toBe(799);
  });

  it("spreads real random delays over the range", () => {
    const draws = Array.from({ length: 500 }, () => backoffDelay(5, policy));
    expect(Math.min(...draws)).toBeLessThan(400);
    expect(Math.max(...draws)).toBeGreaterThan(1200);
    expect(Math.max(...draws)).toBeLessThan(1600);
  });

  it("treats attempt 0 or negative like the first attempt", () => {
    expect(backoffCeiling(0, policy)).toBe(100);
    expect(backoffCeiling(-3, policy)).toBe(100);
  });
});
