import type { Redis } from "ioredis";
import type { Logger } from "../../../platform/logger";

/**
 * Cancel requests travel over Redis pub/sub: the process that asks (often an API process) is not the
 * one running the task. Every consuming process listens and aborts its own delivery of that task.
 */
export function createAbortChannel(deps: {
  publisher: Redis;
  /** Opens the listening connection (reconnects forever and re-subscribes). */
  openSubscriber: () => Redis;
  channel: string;
  logger: Logger;
}) {
  let subscriber: Redis | null = null;

  return {
    async publish(taskId: string): Promise<void> {
      await deps.publisher.publish(deps.channel, taskId);
    },

    /** Listens on a dedicated connection (a subscribed connection cannot run other commands). */
    async listen(onAbort: (taskId: string) => void): Promise<void> {
      if (subscriber) return;
      subscriber = deps.openSubscriber();
      subscriber.on("error", (error) => deps.logger.warn("abort channel error", { error }));
      subscriber.on("message", (channel: string, taskId: string) => {
        if (channel === deps.channel) onAbort(taskId);
      });
      await subscriber.subscribe(deps.channel);
    },

    async close(): Promise<void> {
      const s = subscriber;
      subscriber = null;
      await s?.quit().catch(() => undefined);
    },
  };
}
