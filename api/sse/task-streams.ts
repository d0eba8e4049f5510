import type { Context } from "hono";
import type { TaskRow } from "../../db/rows";
import type { TaskEvent } from "../../domain/model/events";
import { isTerminal, type TaskStatus } from "../../domain/model/task-status";
import type { TaskEventBus } from "../../domain/task-event-bus";
import type { ApiDeps } from "../types";
import { type AllTasksHub, createAllTasksHub } from "./all-tasks-hub";
import { type EventFeed, openEventFeed } from "./event-feed";
import { createSseChannel, type SseChannel } from "./sse-channel";

export const SSE_DEFAULTS = { heartbeatMs: 15_000, maxBufferBytes: 256 * 1024 } as const;
const REPLAY_WAIT_MS = 30_000;
const ALL_TASKS_PAGE = 500;

function channelFor(deps: ApiDeps, onClose: () => void, onTick?: () => void): SseChannel {
  const clients = deps.instruments?.sseClients;
  clients?.add(1);
  return createSseChannel({
    heartbeatMs: deps.sse?.heartbeatMs ?? SSE_DEFAULTS.heartbeatMs,
    maxBufferBytes: deps.sse?.maxBufferBytes ?? SSE_DEFAULTS.maxBufferBytes,
    onClose: () => {
      clients?.add(-1);
      onClose();
    },
    onTick,
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
  let polling = false;

  const finish = (status: string) => {
    if (ended) return;
    ended = true;
    channel.send({ event: "done", data: { taskId: task.id, status } });
    channel.close();
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

  // A safety net for a publish lost between processes: look at the database with every heartbeat
  // (the shared timer of sse-ticker.ts, not one interval per stream).
  const poll = () => {
    if (!feed || polling) return;
    polling = true;
    void feed
      .catchUp()
      .then(() => endIfFinished())
      .catch(() => undefined)
      .finally(() => {
        polling = false;
      });
  };

  const channel = channelFor(deps, () => feed?.stop(), poll);

  const deliver = async (event: TaskEvent, phase: "replay" | "live") => {
    if (phase === "replay") await waitForRoom(channel);
    if (!channel.send(asMessage(event, event.seq))) return false;
    if (event.data.kind === "status" && isTerminal(event.data.status)) {
      finish(event.data.status);
      return false;
    }
    return true;
  };

  const response = channel.respond(c);
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
    })
    .catch((error) => {
      deps.logger.warn("task stream failed", { taskId: task.id, error });
      channel.close();
    });
  return response;
}

const hubs = new WeakMap<TaskEventBus, AllTasksHub>();

/** The all-tasks fan-out of this bus (one per app; tests build several apps). */
function hubOf(deps: ApiDeps): AllTasksHub {
  let hub = hubs.get(deps.bus);
  if (!hub) {
    hub = createAllTasksHub({ bus: deps.bus, pageSize: ALL_TASKS_PAGE, waitForRoom });
    hubs.set(deps.bus, hub);
  }
  return hub;
}

/**
 * Every task's events (ids = global event id) after `afterId`, or from now when it is null. The hub
 * holds what is published from the moment of join(), before the headers go out: a client that sees
 * the stream open misses no event written after it did.
 *
 * A stream from now has no replay, so every event published after join() is new to its reader,
 * whatever its id: no id filter. (It had one, the newest id read at open, and on PostgreSQL that lost
 * events: ids are taken before the commit, so an event can commit and be published after a higher id
 * was already read. A resumed stream still filters by its Last-Event-ID, where the same race can skip
 * an event that commits late: not solved here, it needs a resume that overlaps what the reader saw,
 * and readers that take the overlap as duplicates.)
 */
export async function streamAllTasks(c: Context, deps: ApiDeps, afterId: number | null): Promise<Response> {
  const member = hubOf(deps).join();
  try {
    // A database that does not answer fails here, before the headers: 503 dependency_unavailable (a
    // resumed stream finds out with its first replay read).
    if (afterId === null) await deps.stores.taskEvents.latestId();
  } catch (error) {
    member.leave();
    throw error;
  }
  const channel = channelFor(deps, () => member.leave());
  const response = channel.respond(c);
  const load =
    afterId === null ? null : (after: number) => deps.stores.taskEvents.listSince(after, ALL_TASKS_PAGE);
  member.start(channel, afterId ?? 0, load).catch((error) => {
    deps.logger.warn("task event stream failed", { error });
    channel.close();
  });
  return response;
}
