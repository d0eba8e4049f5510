import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createCoalescer, type DeliveryOutcome } from "./coalescer";

describe("card update coalescer", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A card whose "state" is a counter; deliveries record the state they saw. */
  function setup(outcomes: DeliveryOutcome[] = []) {
    const state = new Map<string, number>();
    const delivered: Array<{ key: string; value: number | undefined; at: number }> = [];
    const coalescer = createCoalescer({
      minIntervalMs: 1500,
      backoffMs: (attempt) => 1000 * attempt,
      deliver: async (key) => {
        delivered.push({ key, value: state.get(key), at: Date.now() });
        return outcomes.shift() ?? { kind: "done" };
      },
    });
    const change = (key: string, value: number) => {
      state.set(key, value);
      coalescer.push(key);
    };
    return { coalescer, delivered, change };
  }

  it("turns a burst of 50 changes into a few deliveries, the last with the final state", async () => {
    const { delivered, change } = setup();
    const start = Date.now();
    for (let i = 1; i <= 50; i++) {
      change("card", i);
      await vi.advanceTimersByTimeAsync(100);
    }
    await vi.advanceTimersByTimeAsync(5000);
    expect(delivered.length).toBeLessThanOrEqual(5);
    expect(delivered.at(-1)?.value).toBe(50);
    const gaps = delivered.slice(1).map((d, i) => d.at - (delivered[i]?.at ?? start));
    expect(gaps.every((g) => g >= 1500)).toBe(true);
  });

  it("delivers the first change at once and a change made during the interval right after it", async () => {
    const { delivered, change } = setup();
    change("card", 1);
    await vi.advanceTimersByTimeAsync(0);
    expect(delivered.map((d) => d.value)).toEqual([1]);
    change("card", 2);
    await vi.advanceTimersByTimeAsync(1499);
    expect(delivered).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(delivered.map((d) => d.value)).toEqual([1, 2]);
  });

  it("counts a send made elsewhere: the next delivery waits the interval from it", async () => {
    const { coalescer, delivered, change } = setup();
    coalescer.sent("card");
    change("card", 1);
    await vi.advanceTimersByTimeAsync(1499);
    expect(delivered).toHaveLength(0);
    change("card", 2);
    await vi.advanceTimersByTimeAsync(1);
    expect(delivered.map((d) => d.value)).toEqual([2]);
  });

  it("keeps cards apart: each has its own interval", async () => {
    const { delivered, change } = setup();
    change("a", 1);
    change("b", 1);
    await vi.advanceTimersByTimeAsync(0);
    expect(delivered.map((d) => d.key).sort()).toEqual(["a", "b"]);
  });

  it("retries a failed delivery after Retry-After and then delivers the latest state", async () => {
    const { delivered, change } = setup([{ kind: "failed", retryAfterMs: 4000 }]);
    change("card", 1);
    await vi.advanceTimersByTimeAsync(0);
    change("card", 2);
    await vi.advanceTimersByTimeAsync(3999);
    expect(delivered).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(delivered.map((d) => d.value)).toEqual([1, 2]);
  });

  it("waits as long as the rate limit asks without counting it as a failure", async () => {
    const gaveUp: string[] = [];
    const outcomes: DeliveryOutcome[] = Array.from({ length: 20 }, () => ({ kind: "later", delayMs: 100 }));
    const delivered: number[] = [];
    const coalescer = createCoalescer({
      minIntervalMs: 1500,
      maxAttempts: 3,
      onGiveUp: (key) => gaveUp.push(key),
      deliver: async () => {
        delivered.push(Date.now());
        return outcomes.shift() ?? { kind: "done" };
      },
    });
    coalescer.push("card");
    await vi.advanceTimersByTimeAsync(5000);
    expect(delivered).toHaveLength(21);
    expect(gaveUp).toEqual([]);
  });

  it("gives up after the maximum attempts and says so, and survives a throwing delivery", async () => {
    const gaveUp: Array<[string, number]> = [];
    let calls = 0;
    const coalescer = createCoalescer({
      minIntervalMs: 1500,
      maxAttempts: 3,
      backoffMs: () => 10,
      onGiveUp: (key, attempts) => gaveUp.push([key, attempts]),
      deliver: async () => {
        calls++;
        throw new Error("connector down");
      },
    });
    coalescer.push("card");
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(3);
    expect(gaveUp).toEqual([["card", 3]]);
  });

  it("never runs two deliveries of one card at once", async () => {
    let running = 0;
    let maxRunning = 0;
    const coalescer = createCoalescer({
      minIntervalMs: 10,
      deliver: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 500));
        running--;
        return { kind: "done" };
      },
    });
    for (let i = 0; i < 20; i++) {
      coalescer.push("card");
      await vi.advanceTimersByTimeAsync(50);
    }
    await vi.advanceTimersByTimeAsync(3000);
    expect(maxRunning).toBe(1);
  });
});
