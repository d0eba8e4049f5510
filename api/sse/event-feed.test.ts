import { describe, expect, it } from "vitest";
import type { TaskEvent } from "../../domain/model/events";
import { createTaskEventBus } from "../../domain/task-event-bus";
import { silentLogger } from "../../platform/logger";
import { createRedisFactory } from "../../platform/redis";
import { openEventFeed } from "./event-feed";

const ev = (seq: number): TaskEvent => ({
  id: 100 + seq,
  taskId: "tsk_a",
  seq,
  at: new Date(0).toISOString(),
  task: { type: "deploy", entityId: "e", status: "running" },
  data: { kind: "log", level: "info", message: `line ${seq}` },
});

/** The bus of the zero-setup start: delivery after the publisher's await, each event a JSON copy. */
const inProcessBus = () =>
  createTaskEventBus({ redis: createRedisFactory(undefined), prefix: "test", logger: silentLogger });

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("openEventFeed", () => {
  it("delivers an event once when it is both replayed from the database and published live", async () => {
    const bus = inProcessBus();
    const stored = [ev(1), ev(2), ev(3)];
    const delivered: number[] = [];
    await openEventFeed(0, {
      bus,
      accept: () => true,
      position: (e) => e.seq,
      // While the replay reads, event 3 (already stored) and event 4 are published.
      load: async (after) => {
        await bus.publish(ev(3));
        await bus.publish(ev(4));
        return stored.filter((e) => e.seq > after);
      },
      pageSize: 100,
      deliver: (e) => {
        delivered.push(e.seq);
        return true;
      },
      gapless: true,
    });
    await bus.publish(ev(4));
    await bus.publish(ev(5));
    await tick();
    expect(delivered).toEqual([1, 2, 3, 4, 5]);
  });

  it("fills a gap in live events from the database instead of skipping it", async () => {
    const bus = inProcessBus();
    const stored = [ev(1), ev(2)];
    const delivered: number[] = [];
    await openEventFeed(0, {
      bus,
      accept: () => true,
      position: (e) => e.seq,
      load: async (after) => stored.filter((e) => e.seq > after),
      pageSize: 100,
      deliver: (e) => {
        delivered.push(e.seq);
        return true;
      },
      gapless: true,
    });
    stored.push(ev(3), ev(4));
    // The publish of event 3 was lost; 4 arrives and reveals the gap.
    await bus.publish(ev(4));
    await tick();
    expect(delivered).toEqual([1, 2, 3, 4]);
  });

  it("stops delivering once the reader is gone", async () => {
    const bus = inProcessBus();
    const delivered: number[] = [];
    await openEventFeed(0, {
      bus,
      accept: () => true,
      position: (e) => e.seq,
      load: async () => [],
      pageSize: 100,
      deliver: (e) => {
        delivered.push(e.seq);
        return e.seq < 2;
      },
      gapless: true,
    });
    for (const seq of [1, 2, 3]) await bus.publish(ev(seq));
    await tick();
    expect(delivered).toEqual([1, 2]);
  });

  it("for the all-tasks feed, delivers a late lower id instead of dropping it, and never twice", async () => {
    const bus = inProcessBus();
    const delivered: number[] = [];
    await openEventFeed(0, {
      bus,
      accept: () => true,
      position: (e) => e.id,
      load: async () => [ev(1)],
      pageSize: 100,
      deliver: (e) => {
        delivered.push(e.id);
        return true;
      },
      gapless: false,
    });
    for (const seq of [1, 3, 2, 3]) await bus.publish(ev(seq));
    await tick();
    expect(delivered).toEqual([101, 103, 102]);
  });
});
