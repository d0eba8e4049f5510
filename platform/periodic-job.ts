export interface PeriodicJob<T> {
  /** Runs a pass now, or joins the one in progress (with `rerunAfterCurrent`, queues one more). */
  runOnce(): Promise<T>;
  /** Starts the timer (and a first pass at once with `runOnStart`); calling it twice is harmless. */
  start(): void;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

/**
 * A periodic background pass that never overlaps itself: the reconciler, the queue sweep, the
 * outbox dispatcher and the expiry scheduler all need "every N ms, one at a time, errors logged".
 */
export function createPeriodicJob<T>(options: {
  intervalMs: number;
  pass: () => Promise<T>;
  /** Turns a failed pass into its result (log it here); the timer keeps going. */
  onError: (error: unknown) => T;
  /**
   * A call that arrives during a pass asks for one more pass right after it, instead of sharing the
   * running one: for work that a caller has just made due (a row written, a full scan requested).
   */
  rerunAfterCurrent?: boolean;
  runOnStart?: boolean;
}): PeriodicJob<T> {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<T> | null = null;
  let again = false;

  async function loop(): Promise<T> {
    let result: T;
    do {
      again = false;
      result = await options.pass().catch(options.onError);
    } while (again);
    return result;
  }

  function runOnce(): Promise<T> {
    if (running) {
      if (options.rerunAfterCurrent) again = true;
      return running;
    }
    running = loop().finally(() => {
      running = null;
    });
    return running;
  }

  return {
    runOnce,
    start() {
      if (timer) return;
      timer = setInterval(() => void runOnce(), options.intervalMs);
      timer.unref();
      if (options.runOnStart) void runOnce();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
