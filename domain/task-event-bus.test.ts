import { describe, expect, it } from "vitest";
import { silentLogger } from "../platform/logger";
import { createRedisFactory } from "../platform/redis";
import type { TaskEvent } from "./model/events";
import { createTaskEventBus, jsonCopy } from "./task-event-bus";

const event = (seq: number): TaskEvent => ({
  id: seq,
  taskId: "tsk_1",
  seq,
  at: new Date(0).toISOString(),
  task: { type: "k8s.restart", entityId: "prod/api", status: "running" },
  data: { kind: "log", level: "info", message: `line ${seq}` },
});

describe("in-process task event bus (no Redis)", () => {
  const inProcessBus = () =>
    createTaskEventBus({ redis: createRedisFactory(undefined), prefix: "test", logger: silentLogger });

  it("delivers after the publisher's turn, in order, each listener a copy as if off the wire", async () => {
    const bus = inProcessBus();
    const seen: TaskEvent[] = [];
    bus.subscribe((received) => {
      seen.push(received);
      (received.data as { message: string }).message = "changed by a listener";
    });
    const published = [event(1), event(2)];
    const deliveries = published.map((e) => bus.publish(e));
    expect(seen).toEqual([]);
    await Promise.all(deliveries);
    expect(seen.map((e) => e.seq)).toEqual([1, 2]);
    expect(published[0]?.data).toEqual({ kind: "log", level: "info", message: "line 1" });
    await bus.close();
  });

  it("publishes with no listener, and a listener that leaves hears nothing more", async () => {
    const bus = inProcessBus();
    await bus.publish(event(1));
    const seen: number[] = [];
    const leave = bus.subscribe((received) => seen.push(received.seq));
    await bus.publish(event(2));
    leave();
    await bus.publish(event(3));
    expect(seen).toEqual([2]);
    expect(bus.subscribers()).toBe(0);
    await bus.close();
  });
});

describe("jsonCopy", () => {
  it("gives what a JSON round trip gives", () => {
    const samples: unknown[] = [
      event(7),
      {
        nested: { list: [1, "two", null, undefined, () => 1, Number.NaN, { deep: [true] }] },
        skipped: undefined,
        fn: () => 1,
        infinite: Number.POSITIVE_INFINITY,
        when: new Date(86_400_000),
        error: { code: "step_failed", message: 'quoted "text" and ünïcode' },
      },
      [],
      "text",
      0,
      null,
    ];
    for (const sample of samples) expect(jsonCopy(sample)).toStrictEqual(JSON.parse(JSON.stringify(sample)));
    // Where JSON throws instead: a bigint is left out like undefined.
    expect(jsonCopy({ kept: 1, big: 1n, list: [1n] })).toStrictEqual({ kept: 1, list: [null] });
  });
});
