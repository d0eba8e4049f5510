import { afterEach, describe, expect, it, vi } from "vitest";
import { createPeriodicJob } from "./periodic-job";

function deferred() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

afterEach(() => vi.useRealTimers());

describe("createPeriodicJob", () => {
  it("never runs two passes at once: a call during a pass joins it", async () => {
    const gate = deferred();
    let passes = 0;
    const job = createPeriodicJob({
      intervalMs: 60_000,
      pass: async () => {
        passes++;
        await gate.promise;
        return passes;
      },
      onError: () => -1,
    });
    const first = job.runOnce();
    const second = job.runOnce();
    gate.resolve();
    expect(await Promise.all([first, second])).toEqual([1, 1]);
    expect(passes).toBe(1);
  });

  it("with rerunAfterCurrent, a call during a pass gets one more pass after it", async () => {
    const gate = deferred();
    let passes = 0;
    const job = createPeriodicJob({
      intervalMs: 60_000,
      rerunAfterCurrent: true,
      pass: async () => {
        passes++;
        if (passes === 1) await gate.promise;
        return passes;
      },
      onError: () => -1,
    });
    const first = job.runOnce();
    const second = job.runOnce();
    const third = job.runOnce();
    gate.resolve();
    expect(await Promise.all([first, second, third])).toEqual([2, 2, 2]);
    expect(passes).toBe(2);
  });

  it("turns a failed pass into onError's result and keeps ticking", async () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    let passes = 0;
    const job = createPeriodicJob({
      intervalMs: 1000,
      pass: async () => {
        passes++;
        if (passes === 1) throw new Error("boom");
        return passes;
      },
      onError: (error) => {
        errors.push(error);
        return 0;
      },
    });
    expect(await job.runOnce()).toBe(0);
    job.start();
    await vi.advanceTimersByTimeAsync(2500);
    expect(passes).toBe(3);
    expect(errors).toHaveLength(1);
    await job.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(passes).toBe(3);
  });

  it("runs a first pass at start when asked, and stop waits for a pass in progress", async () => {
    const gate = deferred();
    let finished = false;
    const job = createPeriodicJob({
      intervalMs: 60_000,
      runOnStart: true,
      pass: async () => {
        await gate.promise;
        finished = true;
      },
      onError: () => undefined,
    });
    job.start();
    const stopping = job.stop();
    let stopped = false;
    void stopping.then(() => {
      stopped = true;
    });
    await Promise.resolve();
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(finished).toBe(true);
  });
});
