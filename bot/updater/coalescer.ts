import { backoffDelay } from "../../platform/backoff";
/** What became of one delivery attempt. */
export type DeliveryOutcome =
  | { kind: "done" }
  /** Not now (e.g. the conversation's rate limit): try again after `delayMs`, not a failure. */
  | { kind: "later"; delayMs: number }
  /** Failed but worth retrying; `retryAfterMs` (from Retry-After) is the least wait. */
  | { kind: "failed"; retryAfterMs?: number }
  /** Nothing to deliver for this key (no card, message gone): forget it. */
  | { kind: "drop" };

export interface CoalescerOptions {
  /** At most one delivery per key per this interval (Teams: 1-2 s per message). */
  minIntervalMs: number;
  /** Reads the latest state of `key` and delivers it; latest state wins by construction. */
  deliver(key: string): Promise<DeliveryOutcome>;
  /** Backoff before retry `attempt` (1-based); the default is exponential with full jitter. */
  backoffMs?(attempt: number): number;
  /** Give up on a key after this many failed attempts in a row (logged by `onGiveUp`). */
  maxAttempts?: number;
  onGiveUp?(key: string, attempts: number): void;
  now?(): number;
}

interface Entry {
  dirty: boolean;
  inFlight: boolean;
  timer: ReturnType<typeof setTimeout> | null;
  lastSentAt: number;
  failures: number;
}

/** Card deliveries back off from 0.5 s, doubling up to 30 s, with full jitter. */
export const CARD_DELIVERY_BACKOFF = { baseDelayMs: 500, maxDelayMs: 30_000 } as const;

/**
 * Coalesces many "key changed" signals into few deliveries: per key at most one delivery every
 * `minIntervalMs`, never two at once, and a change that arrives during or after a delivery always
 * causes one more, so the final state is always delivered. Timers only; no I/O of its own.
 */
export function createCoalescer(options: CoalescerOptions) {
  const now = options.now ?? Date.now;
  const backoff = options.backoffMs ?? ((attempt: number) => backoffDelay(attempt, CARD_DELIVERY_BACKOFF));
  const maxAttempts = options.maxAttempts ?? 10;
  const entries = new Map<string, Entry>();
  let stopped = false;

  function schedule(key: string, entry: Entry, delayMs: number): void {
    if (stopped || entry.timer || entry.inFlight) return;
    entry.timer = setTimeout(
      () => {
        entry.timer = null;
        void run(key, entry);
      },
      Math.max(0, delayMs),
    );
  }

  async function run(key: string, entry: Entry): Promise<void> {
    if (stopped) return;
    entry.dirty = false;
    entry.inFlight = true;
    let outcome: DeliveryOutcome;
    try {
      outcome = await options.deliver(key);
    } catch {
      outcome = { kind: "failed" };
    }
    entry.inFlight = false;
    switch (outcome.kind) {
      case "done":
        entry.failures = 0;
        entry.lastSentAt = now();
        break;
      case "drop":
        entry.failures = 0;
        break;
      case "later":
        entry.dirty = true;
        schedule(key, entry, outcome.delayMs);
        return;
      case "failed": {
        entry.failures += 1;
        if (entry.failures >= maxAttempts) {
          options.onGiveUp?.(key, entry.failures);
          entry.failures = 0;
          break;
        }
        entry.dirty = true;
        schedule(key, entry, Math.max(outcome.retryAfterMs ?? 0, backoff(entry.failures)));
        return;
      }
    }
    if (entry.dirty) schedule(key, entry, entry.lastSentAt + options.minIntervalMs - now());
    else if (outcome.kind === "drop") entries.delete(key);
  }

  function entryOf(key: string): Entry {
    let entry = entries.get(key);
    if (!entry) {
      entry = { dirty: false, inFlight: false, timer: null, lastSentAt: -Infinity, failures: 0 };
      entries.set(key, entry);
    }
    return entry;
  }

  return {
    /** Signals that `key` changed; a delivery follows within the interval. */
    push(key: string): void {
      if (stopped) return;
      const entry = entryOf(key);
      entry.dirty = true;
      schedule(key, entry, entry.lastSentAt + options.minIntervalMs - now());
      forgetIdle();
    },
    /**
     * Counts a send of `key` made elsewhere (the message was just posted): the interval runs from
     * now, so the next delivery waits for it.
     */
    sent(key: string): void {
      if (stopped) return;
      const entry = entryOf(key);
      entry.lastSentAt = Math.max(entry.lastSentAt, now());
    },
    /** Keys with pending or recent work. */
    size: () => entries.size,
    /** True when `key` has nothing waiting, scheduled or in flight. */
    isIdle(key: string): boolean {
      const entry = entries.get(key);
      return !entry || (!entry.dirty && !entry.inFlight && !entry.timer);
    },
    stop(): void {
      stopped = true;
      for (const entry of entries.values()) if (entry.timer) clearTimeout(entry.timer);
      entries.clear();
    },
  };

  // Entries idle for longer than the interval carry no throttling state worth keeping.
  function forgetIdle(): void {
    if (entries.size < 1000) return;
    const t = now();
    for (const [key, entry] of entries) {
      if (!entry.dirty && !entry.inFlight && !entry.timer && entry.lastSentAt + options.minIntervalMs < t)
        entries.delete(key);
    }
  }
}

export type Coalescer = ReturnType<typeof createCoalescer>;
