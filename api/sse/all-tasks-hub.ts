import type { TaskEvent } from "../../domain/model/events";
import type { TaskEventBus } from "../../domain/task-event-bus";
import type { SseChannel } from "./sse-channel";
import { sseFrame } from "./sse-frame";

// Ids the hub remembers to drop a second publish of one event (and ids one client got in its replay).
const REMEMBERED_IDS = 5000;

/** A bounded set of recent ids: the oldest goes when it is full. */
class RecentIds {
  private readonly ids = new Set<number>();
  has(id: number): boolean {
    return this.ids.has(id);
  }
  add(id: number): void {
    this.ids.add(id);
    if (this.ids.size > REMEMBERED_IDS)
      for (const oldest of this.ids) {
        this.ids.delete(oldest);
        break;
      }
  }
}

/** One reader of the all-tasks stream, from join() until leave(). */
export interface AllTasksMember {
  /**
   * Starts delivering to `channel`: events after `after` read by `load` (a resume; null for a stream
   * from the present), then what the hub held since join(), then live. Resolves once live.
   */
  start(
    channel: SseChannel,
    after: number,
    load: ((after: number) => Promise<TaskEvent[]>) | null,
  ): Promise<void>;
  leave(): void;
}

export interface AllTasksHub {
  /** Holds every event published from now on for the new member until it starts. */
  join(): AllTasksMember;
  /** Readers joined right now. */
  readonly size: number;
}

export interface AllTasksHubOptions {
  bus: TaskEventBus;
  pageSize: number;
  /** History may wait for a slow reader; live events never do. */
  waitForRoom(channel: SseChannel): Promise<void>;
}

const frameOf = (event: TaskEvent) => sseFrame({ id: event.id, event: event.data.kind, data: event });

/**
 * The fan-out of the all-tasks stream: one bus subscription for every reader of the process (taken
 * with the first, let go with the last), each event encoded once and the same buffer written to every
 * live reader, in one loop. A reader costs one small object: no listener, promise chain or timer of
 * its own. Ids are global and taken by concurrent writers, so one may arrive after a higher one: it is
 * delivered anyway (no gap); an id published twice, or already sent in a reader's replay, is not
 * delivered again.
 */
export function createAllTasksHub(options: AllTasksHubOptions): AllTasksHub {
  const members = new Set<Member>();
  const published = new RecentIds();
  let unsubscribe: (() => void) | null = null;

  // Events of this turn of the event loop, written together at its end: while thousands of sockets
  // are written, more events arrive, and each client then gets them in one write (one syscall)
  // instead of one each.
  let batch: TaskEvent[] = [];
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    const events = batch;
    batch = [];
    const frames = events.map(frameOf);
    const first = events[0];
    if (!first) return;
    let lowest = first.id;
    for (const event of events) lowest = Math.min(lowest, event.id);
    const all = frames.length === 1 ? (frames[0] as Uint8Array) : Buffer.concat(frames);
    for (const member of members) {
      if (member.buffer) for (const event of events) member.buffer.push(event);
      else member.deliverBatch(events, frames, all, lowest);
    }
  };

  const onEvent = (event: TaskEvent) => {
    if (published.has(event.id)) return;
    published.add(event.id);
    batch.push(event);
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };

  class Member implements AllTasksMember {
    // Events published since join(), until the member goes live (then null).
    buffer: TaskEvent[] | null = [];
    private channel: SseChannel | null = null;
    private after = 0;
    // Ids sent in the replay, which their publish may still bring (null when the replay sent none).
    private replayed: RecentIds | null = null;

    deliver(event: TaskEvent, frame: Uint8Array): boolean {
      const channel = this.channel;
      if (!channel || event.id <= this.after || this.replayed?.has(event.id)) return true;
      if (channel.write(frame)) return true;
      this.leave();
      return false;
    }

    deliverBatch(events: TaskEvent[], frames: Uint8Array[], all: Uint8Array, lowest: number): void {
      const channel = this.channel;
      if (!channel) return;
      // The usual case: nothing of the batch is filtered out for this reader, one write.
      if (lowest > this.after && !this.replayed) {
        if (!channel.writeAll(frames, all)) this.leave();
        return;
      }
      for (let i = 0; i < events.length; i++) {
        const event = events[i];
        const frame = frames[i];
        if (event && frame && !this.deliver(event, frame)) return;
      }
    }

    async start(
      channel: SseChannel,
      after: number,
      load: ((after: number) => Promise<TaskEvent[]>) | null,
    ): Promise<void> {
      this.channel = channel;
      this.after = after;
      let last = after;
      while (load) {
        const page = await load(last);
        for (const event of page) {
          if (channel.closed) return this.leave();
          if (event.id <= last) continue;
          await options.waitForRoom(channel);
          if (!channel.write(frameOf(event))) return this.leave();
          last = event.id;
          this.replayed ??= new RecentIds();
          this.replayed.add(event.id);
        }
        if (page.length < options.pageSize) break;
      }
      // What was published meanwhile, in id order; synchronous, so nothing slips in between.
      const held = (this.buffer ?? []).sort((a, b) => a.id - b.id);
      this.buffer = null;
      for (const event of held) {
        if (channel.closed) break;
        this.deliver(event, frameOf(event));
      }
      if (channel.closed) this.leave();
    }

    leave(): void {
      if (!members.delete(this)) return;
      this.buffer = null;
      if (members.size === 0 && unsubscribe) {
        unsubscribe();
        unsubscribe = null;
      }
    }
  }

  return {
    join() {
      const member = new Member();
      members.add(member);
      unsubscribe ??= options.bus.subscribe(onEvent);
      return member;
    },
    get size() {
      return members.size;
    },
  };
}
