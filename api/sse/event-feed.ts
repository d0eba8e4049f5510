import type { TaskEvent } from "../../domain/model/events";
import type { TaskEventBus } from "../../domain/task-event-bus";

export interface EventFeedOptions {
  bus: TaskEventBus;
  /** Which live events belong to this feed. */
  accept(event: TaskEvent): boolean;
  /** The resume position of an event (per-task seq, or global id). */
  position(event: TaskEvent): number;
  /** Persisted events after `position`, in order; called until it returns fewer than `pageSize`. */
  load(after: number): Promise<TaskEvent[]>;
  pageSize: number;
  /**
   * Delivers one event and returns false when the reader is gone. History ("replay") may wait for the
   * reader; "live" must not.
   */
  deliver(event: TaskEvent, phase: "replay" | "live"): Promise<boolean> | boolean;
  /**
   * Positions have no gaps (per-task seq): a live event that skips ahead triggers a read from the
   * database instead of a silent gap.
   */
  gapless: boolean;
}

export interface EventFeed {
  /** The position of the last delivered event. */
  readonly last: number;
  /** Reads the database for anything after `last` (a safety net for a lost publish). */
  catchUp(): Promise<void>;
  stop(): void;
}

/**
 * Replay then live, without gaps or repeats: subscribe first and buffer, replay from the database,
 * then deliver the buffer and everything after it, skipping what replay already sent.
 */
export async function openEventFeed(after: number, options: EventFeedOptions): Promise<EventFeed> {
  let last = after;
  let live = false;
  let stopped = false;
  let buffer: TaskEvent[] = [];
  let chain: Promise<void> = Promise.resolve();
  // Non-gapless feeds: ids already delivered, so an event both replayed and then published is sent once.
  const seen = new Set<number>();
  const remember = (pos: number) => {
    seen.add(pos);
    if (seen.size > 5000)
      for (const old of seen) {
        seen.delete(old);
        break;
      }
  };

  async function catchUp(): Promise<void> {
    for (;;) {
      if (stopped) return;
      const page = await options.load(last);
      for (const event of page) {
        if (stopped) return;
        const pos = options.position(event);
        if (pos <= last) continue;
        if (!(await options.deliver(event, "replay"))) return stop();
        last = pos;
        if (!options.gapless) remember(pos);
      }
      if (page.length < options.pageSize) return;
    }
  }

  async function onLive(event: TaskEvent): Promise<void> {
    if (stopped) return;
    const pos = options.position(event);
    if (options.gapless) {
      if (pos <= last) return;
      if (pos > last + 1) return catchUp();
      if (!(await options.deliver(event, "live"))) return stop();
      last = pos;
      return;
    }
    // Global ids are taken by concurrent writers, so one may arrive after a higher one: deliver it
    // anyway (no gap) unless it was already sent in the replay.
    if (pos <= after || seen.has(pos)) return;
    if (!(await options.deliver(event, "live"))) return stop();
    remember(pos);
    last = Math.max(last, pos);
  }

  const unsubscribe = options.bus.subscribe((event) => {
    if (stopped || !options.accept(event)) return;
    if (!live) {
      buffer.push(event);
      return;
    }
    chain = chain.then(() => onLive(event)).catch(() => stop());
  });

  function stop(): void {
    stopped = true;
    unsubscribe();
    buffer = [];
  }

  const replayedUpTo = async () => {
    await catchUp();
    // Events that arrived during the replay; more may arrive while these are delivered.
    while (buffer.length > 0 && !stopped) {
      const held = buffer.sort((a, b) => options.position(a) - options.position(b));
      buffer = [];
      for (const event of held) {
        if (stopped) break;
        await onLive(event);
      }
    }
    live = true;
  };
  try {
    await replayedUpTo();
  } catch (error) {
    stop();
    throw error;
  }

  return {
    get last() {
      return last;
    },
    catchUp() {
      chain = chain.then(catchUp).catch(() => stop());
      return chain;
    },
    stop,
  };
}
