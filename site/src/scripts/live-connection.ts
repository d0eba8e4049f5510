// One live connection per browser, shared by every open tab: browsers allow six HTTP/1.1 connections
// per host, so a stream per tab locked the dashboard at the sixth tab. The tab holding the Web Lock
// "cloudops-live" is the leader: it alone keeps an EventSource on /live/events and forwards each event
// to the other tabs over a BroadcastChannel. When it closes, the lock passes to another tab, which
// reconnects from the last event id. Reconnects go on for as long as a page is open, with capped
// exponential backoff and jitter; while down, pages are told the connection is stale.

export interface LiveEvent {
  id: number;
  taskId: string;
  seq: number;
  task: { type: string; entityId: string; status: string };
  data: { kind: string; status?: string };
}
export type LiveState = "connecting" | "live" | "reconnecting";

type Message =
  | { type: "event"; event: LiveEvent }
  | { type: "state"; state: LiveState; since: number }
  | { type: "hello" };

const MAX_DELAY_MS = 30_000;
const eventListeners = new Set<(event: LiveEvent) => void>();
const stateListeners = new Set<(state: LiveState, since: number) => void>();
let state: LiveState = "connecting";
let since = Date.now();
let lastEventId = 0;
let leader = false;
let channel: BroadcastChannel | null = null;

/** Capped exponential backoff with jitter: 0.5–1 s, 1–2 s, … up to 15–30 s. */
export function reconnectDelay(failures: number, random = Math.random): number {
  const cap = Math.min(MAX_DELAY_MS, 1000 * 2 ** Math.min(failures, 10));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

function setState(next: LiveState, at = Date.now()): void {
  if (next !== state) {
    state = next;
    since = at;
    for (const listen of stateListeners) listen(state, since);
  }
  // A leader always tells the others, also when this tab already thought so (a takeover).
  if (leader) channel?.postMessage({ type: "state", state, since } satisfies Message);
}

function deliver(event: LiveEvent): void {
  if (event.id > lastEventId) lastEventId = event.id;
  for (const listen of eventListeners) listen(event);
}

function lead(): void {
  leader = true;
  let failures = 0;
  let source: EventSource | null = null;
  const connect = () => {
    const url = lastEventId ? `/live/events?after=${lastEventId}` : "/live/events";
    source = new EventSource(url);
    source.addEventListener("open", () => {
      failures = 0;
      setState("live");
    });
    source.addEventListener("message", (message) => {
      try {
        const event = JSON.parse(message.data) as LiveEvent;
        deliver(event);
        channel?.postMessage({ type: "event", event } satisfies Message);
      } catch {
        // A malformed message is skipped; the next refresh of the page catches up.
      }
    });
    // Errors, a server restart, the relay ending its response, or the API refusing: reconnect on our
    // own schedule (EventSource gives up for good on some of these).
    const retry = () => {
      source?.close();
      source = null;
      setState("reconnecting");
      setTimeout(connect, reconnectDelay(failures++));
    };
    source.addEventListener("error", retry);
  };
  connect();
}

function start(): void {
  if (typeof BroadcastChannel === "function") {
    channel = new BroadcastChannel("cloudops-live");
    channel.addEventListener("message", (message: MessageEvent<Message>) => {
      const data = message.data;
      if (data.type === "event") deliver(data.event);
      else if (data.type === "state" && !leader) setState(data.state, data.since);
      else if (data.type === "hello" && leader)
        channel?.postMessage({ type: "state", state, since } satisfies Message);
    });
  }
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (!channel || !locks) {
    lead(); // No way to share: this tab keeps its own connection.
    return;
  }
  // The callback's promise never settles: the lock is held until this tab goes away.
  void locks.request("cloudops-live", () => new Promise<void>(() => lead()));
  channel.postMessage({ type: "hello" } satisfies Message);
}

let started = false;

/** Calls back with every task event any tab's shared connection receives. */
export function onLiveEvent(listen: (event: LiveEvent) => void): void {
  eventListeners.add(listen);
  if (!started) {
    started = true;
    start();
  }
}

/** Calls back now and on every change of the shared connection's state. */
export function onLiveState(listen: (state: LiveState, since: number) => void): void {
  stateListeners.add(listen);
  listen(state, since);
}
