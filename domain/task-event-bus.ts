import type { Logger } from "../platform/logger";
import type { RedisConnection, RedisFactory } from "../platform/redis";
import type { TaskEvent } from "./model/events";

export type TaskEventListener = (event: TaskEvent) => void;

/** Fan-out of persisted task events to every process (API SSE, bot card updater, notifier). */
export interface TaskEventBus {
  publish(event: TaskEvent): Promise<void>;
  subscribe(listener: TaskEventListener): () => void;
  /** Resolves once this process's subscription is in place on Redis (events published after it arrive). */
  ready(): Promise<void>;
  /** Listeners in this process right now (each live SSE stream and the card updater hold one). */
  subscribers(): number;
  close(): Promise<void>;
}

/**
 * Redis pub/sub bus. Events are already persisted when published, so a subscriber that misses one
 * (disconnect, slow start) catches up from the database by sequence number; pub/sub only has to be fast.
 */
export function createTaskEventBus(deps: {
  redis: RedisFactory;
  prefix: string;
  logger: Logger;
}): TaskEventBus {
  const channel = `${deps.prefix}:task-events`;
  const listeners = new Set<TaskEventListener>();
  let publisher: RedisConnection | null = null;
  let subscriber: RedisConnection | null = null;
  let subscribed: Promise<void> = Promise.resolve();
  // Publishes of one turn of the event loop go out as one pipeline (one socket write): a journal
  // batch commits the events of many tasks at once, and a write per event was 15% of the worker's
  // CPU in the end-to-end profile. Order on the channel is the order of the publish calls.
  let outbox: { message: string; resolve: () => void; reject: (error: unknown) => void }[] = [];
  let flushing = false;

  function flush(): void {
    flushing = false;
    const batch = outbox;
    outbox = [];
    if (batch.length === 0) return;
    publisher ??= deps.redis.open("request");
    const pipeline = publisher.pipeline();
    for (const item of batch) pipeline.publish(channel, item.message);
    pipeline.exec().then(
      (results) =>
        batch.forEach((item, i) => {
          const error = results?.[i]?.[0];
          if (error) item.reject(error);
          else item.resolve();
        }),
      (error: unknown) => {
        for (const item of batch) item.reject(error);
      },
    );
  }

  function ensureSubscriber(): void {
    if (subscriber) return;
    subscriber = deps.redis.open("subscriber");
    subscriber.on("error", (error) => deps.logger.warn("event bus subscriber error", { error }));
    subscriber.on("message", (ch: string, raw: string) => {
      if (ch !== channel) return;
      let event: TaskEvent;
      try {
        event = JSON.parse(raw) as TaskEvent;
      } catch {
        deps.logger.warn("event bus dropped a malformed message");
        return;
      }
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          deps.logger.error("task event listener failed", { error });
        }
      }
    });
    subscribed = subscriber.subscribe(channel).then(
      () => undefined,
      (error) => deps.logger.error("event bus subscribe failed", { error }),
    );
  }

  return {
    publish(event) {
      return new Promise<void>((resolve, reject) => {
        outbox.push({ message: JSON.stringify(event), resolve, reject });
        if (!flushing) {
          flushing = true;
          setImmediate(flush);
        }
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      ensureSubscriber();
      return () => listeners.delete(listener);
    },
    ready: () => subscribed,
    subscribers: () => listeners.size,
    async close() {
      listeners.clear();
      await Promise.allSettled([publisher?.quit(), subscriber?.quit()]);
      publisher = null;
      subscriber = null;
    },
  };
}
