import { describe, expect, it, vi } from "vitest";
import type { TaskEvent } from "../../domain/model/events";
import { createTaskEventBus, type TaskEventBus } from "../../domain/task-event-bus";
import { silentLogger } from "../../platform/logger";
import { createRedisFactory } from "../../platform/redis";
import { createAllTasksHub } from "./all-tasks-hub";
import type { SseChannel } from "./sse-channel";

const ev = (id: number): TaskEvent => ({
  id,
  taskId: "tsk_a",
  seq: id,
  at: new Date(0).toISOString(),
  task: { type: "deploy", entityId: "e", status: "running" },
  data: { kind: "log", level: "info", message: `line ${id}` },
});

/** The bus of the zero-setup start: delivery after the publisher's await, each event a JSON copy. */
const inProcessBus = () =>
  createTaskEventBus({ redis: createRedisFactory(undefined), prefix: "test", logger: silentLogger });

/** A channel that records the ids of the frames written to it; `room` frames, then it is full. */
function recordingChannel(room = Number.POSITIVE_INFINITY) {
  const ids: number[] = [];
  const decoder = new TextDecoder();
  const channel: SseChannel = {
    closed: false,
    send: () => true,
    write(frame) {
      if (channel.closed) return false;
      if (ids.length >= room) {
        (channel as { closed: boolean }).closed = true;
        return false;
      }
      ids.push(Number(/\nid: (\d+)\n/.exec(decoder.decode(frame))?.[1]));
      return true;
    },
    writeAll(frames) {
      return frames.every((frame) => channel.write(frame));
    },
    room: async () => undefined,
    close: () => undefined,
    respond: () => new Response(null),
  };
  return { channel, ids };
}

const hubOn = (bus: TaskEventBus) =>
  createAllTasksHub({ bus, pageSize: 100, waitForRoom: async () => undefined });

describe("the all-tasks hub", () => {
  it("holds one bus subscription for all its readers and lets it go with the last", () => {
    const bus = inProcessBus();
    const hub = hubOn(bus);
    const a = hub.join();
    const b = hub.join();
    expect(bus.subscribers()).toBe(1);
    a.leave();
    expect(bus.subscribers()).toBe(1);
    b.leave();
    expect(bus.subscribers()).toBe(0);
  });

  it("replays, then sends what was published meanwhile, without a gap or a repeat", async () => {
    const bus = inProcessBus();
    const hub = hubOn(bus);
    const { channel, ids } = recordingChannel();
    const member = hub.join();
    // Published after join(): 4 is stored already (the replay reads it), 5 is not yet.
    await bus.publish(ev(4));
    await bus.publish(ev(5));
    await member.start(channel, 2, async (after) => [ev(3), ev(4)].filter((e) => e.id > after));
    // A late publish of a replayed event, one of a lower id from a concurrent writer, and a duplicate.
    for (const id of [4, 6, 1, 2, 7, 6]) await bus.publish(ev(id));
    // The hub writes what arrived in one turn of the event loop at its end.
    await vi.waitFor(() => expect(ids).toEqual([3, 4, 5, 6, 7]));
  });

  it("writes each event to every live reader and drops one that falls behind", async () => {
    const bus = inProcessBus();
    const hub = hubOn(bus);
    const fast = recordingChannel();
    const slow = recordingChannel(1);
    const a = hub.join();
    const b = hub.join();
    await a.start(fast.channel, 0, null);
    await b.start(slow.channel, 0, null);
    for (const id of [1, 2, 3]) await bus.publish(ev(id));
    await vi.waitFor(() => expect(fast.ids).toEqual([1, 2, 3]));
    expect(slow.ids).toEqual([1]);
    expect(hub.size).toBe(1);
  });
});
