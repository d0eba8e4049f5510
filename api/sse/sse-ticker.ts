/** Something that wants a call every period: an SSE channel's heartbeat, a task stream's look at the database. */
export interface Tickable {
  tick(): void;
}

export interface Ticker {
  add(member: Tickable): void;
  delete(member: Tickable): void;
}

const tickers = new Map<number, Ticker>();

/**
 * One timer per period for every open SSE connection of the process, instead of one per connection:
 * with thousands of clients, thousands of intervals are thousands of timer objects and wake-ups. The
 * timer runs only while some connection is open and never holds the process open.
 */
export function tickerEvery(periodMs: number): Ticker {
  const existing = tickers.get(periodMs);
  if (existing) return existing;
  const members = new Set<Tickable>();
  let timer: ReturnType<typeof setInterval> | null = null;
  const ticker: Ticker = {
    add(member) {
      members.add(member);
      if (timer) return;
      timer = setInterval(() => {
        for (const m of members) m.tick();
      }, periodMs);
      timer.unref?.();
    },
    delete(member) {
      members.delete(member);
      if (members.size > 0 || !timer) return;
      clearInterval(timer);
      timer = null;
    },
  };
  tickers.set(periodMs, ticker);
  return ticker;
}
