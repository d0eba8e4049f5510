import type { Context } from "hono";
import type { TaskRow } from "../../db/rows";
import type { TaskEvent } from "../../domain/model/events";
import { isTerminal, type TaskStatus } from "../../domain/model/task-status";
import type { ApiDeps } from "../types";
import { type EventFeed, openEventFeed } from "./event-feed";
import { createSseChannel, type SseChannel } from "./sse-channel";

export const SSE_DEFAULTS = { heartbeatMs: 15_000, maxBufferBytes: 256 * 1024 } as const;
const REPLAY_WAIT_MS = 30_000;

function channelFor(deps: ApiDeps, onClose: () => void): SseChannel {
  const clients = deps.instruments?.sseClients;
  clients?.add(1);
  return createSseChannel({
    heartbeatMs: deps.sse?.heartbeatMs ?? SSE_DEFAULTS.heartbeatMs,
    maxBufferBytes: deps.sse?.maxBufferBytes ?? SSE_DEFAULTS.maxBufferBytes,
    onClose: () => {
      clients?.add(-1);
      onClose();
    },
  });
}

/** History may wait for a slow reader, for a while; then the bounded buffer decides. */
async function waitForRoom(channel: SseChannel): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([channel.room(), new Promise((r) => (timer = setTimeout(r, REPLAY_WAIT_MS)))]);
  clearTimeout(timer);
}

const asMessage = (event: TaskEvent, id: number) => ({ id, event: event.data.kind, data: event });

/**
 * One task's events after `afterSeq` (ids = per-task seq), then live, then a `done` event when the
 * task ends (at once when it already has).
 */
export function streamTask(c: Context, deps: ApiDeps, task: TaskRow, afterSeq: number): Response {
  let feed: EventFeed | null = null;
  let ended = false;
  let poll: ReturnType<typeof setInterval> | null = null;
  const channel = channelFor(deps, () => {
    feed?.stop();
    if (poll) clearInterval(poll);
  });

  const finish = (status: string) => {
    if (ended) return;
    ended = true;
    channel.send({ event: "done", data: { taskId: task.id, status } });
    channel.close();
  };

  const deliver = async (event: TaskEvent, phase: "replay" | "live") => {
    if (phase === "replay") await waitForRoom(channel);
    if (!channel.send(asMessage(event, event.seq))) return false;
    if (event.data.kind === "status" && isTerminal(event.data.status)) {
      finish(event.data.status);
      return false;
    }
    return true;
  };

  // A terminal status and its closing event commit in one transaction: once the row is terminal, the
  // catch-up delivers that event and ends the stream. Finishing here too covers a reader that resumed
  // after the closing event (nothing left to deliver).
  const endIfFinished = async (): Promise<void> => {
    if (ended || !feed) return;
    const row = await deps.stores.tasks.get(task.id);
    if (!row || !isTerminal(row.status as TaskStatus)) return;
    if (row.eventSeq > feed.last) await feed.catchUp();
    finish(row.status);
  };

  void openEventFeed(afterSeq, {
    bus: deps.bus,
    accept: (e) => e.taskId === task.id,
    position: (e) => e.seq,
    load: (after) => deps.stores.taskEvents.listForTask(task.id, after, 500),
    pageSize: 500,
    deliver,
    gapless: true,
  })
    .then(async (opened) => {
      feed = opened;
      if (channel.closed) return opened.stop();
      await endIfFinished();
      // A safety net for a publish lost between processes: look at the database now and then.
      poll = setInterval(() => {
        void feed
          ?.catchUp()
          .then(() => endIfFinished())
          .catch(() => undefined);
      }, deps.sse?.heartbeatMs ?? SSE_DEFAULTS.heartbeatMs);
      poll.unref?.();
      if (channel.closed) clearInterval(poll);
    })
    .catch((error) => {
      deps.logger.warn("task stream failed", { taskId: task.id, error });
      channel.close();
    });

  return channel.respond(c);
}

/** Every task's events (ids = global event id) from `afterId`, or from now when it is null. */
export function streamAllTasks(c: Context, deps: ApiDeps, afterId: number | null): Response {
  let feed: EventFeed | null = null;
  const channel = channelFor(deps, () => feed?.stop());
  const deliver = async (event: TaskEvent, phase: "replay" | "live") => {
    if (phase === "replay") await waitForRoom(channel);
    return channel.send(asMessage(event, event.id));
  };
  void (async () => {
    const from = afterId ?? (await deps.stores.taskEvents.latestId());
    feed = await openEventFeed(from, {
      bus: deps.bus,
      accept: () => true,
      position: (e) => e.id,
      load: (after) => deps.stores.taskEvents.listSince(after, 500),
      pageSize: 500,
      deliver,
      gapless: false,
    });
    if (channel.closed) feed.stop();
  })().catch((error) => {
    deps.logger.warn("task event stream failed", { error });
    channel.close();
  });
  return channel.respond(c);
}
