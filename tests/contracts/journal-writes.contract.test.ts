import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeaseLostError, NotFoundError } from "../../db/errors";
import { createStores, type Stores } from "../../db/stores/index";
import { MAX_LOG_LINES_PER_TASK } from "../../db/stores/task-events-store";
import type { TaskEventData } from "../../domain/model/events";
import { createTestDatabase, dialectsUnderTest, type TestDatabase } from "../support/databases";

const newTask = (entityId: string) => ({
  type: "k8s.restart" as const,
  entityId,
  payload: {},
  requestedBy: "alice@example.com",
  source: "api" as const,
});

const line = (message: string): TaskEventData => ({ kind: "log", level: "info", message, step: null });

/** The group-committed journal writes (db/stores/journal-writer.ts) on every dialect. */
describe.each(dialectsUnderTest())("journal writes on %s", (dialect) => {
  let testDb: TestDatabase;
  let stores: Stores;

  beforeAll(async () => {
    testDb = await createTestDatabase(dialect);
    stores = createStores(testDb.database);
  });
  afterAll(async () => testDb?.destroy());

  /** A running task whose lease `lease` holds. */
  async function leased(entityId: string, lease: string) {
    const { task } = await stores.tasks.create(newTask(entityId));
    await stores.tasks.transition(task.id, "running", {
      leaseToken: lease,
      leaseExpiresAt: new Date(Date.now() + 60_000),
    });
    return task.id;
  }

  it("commits concurrent writes of many tasks, each with its step row and events in order", async () => {
    const ids = await Promise.all(
      Array.from({ length: 12 }, (_, i) => leased(`${dialect}/many-${i}`, `l${i}`)),
    );
    const outcomes = await Promise.all(
      ids.map((taskId, i) =>
        stores.taskEvents.write({
          taskId,
          lease: `l${i}`,
          steps: [
            { index: 0, patch: { status: "succeeded", percent: 100, finishedAt: new Date() } },
            { index: 1, patch: { status: "running", percent: 0, startedAt: new Date() } },
          ],
          result: { n: i },
          events: [
            { kind: "step", index: 0, name: "connect", status: "succeeded", percent: 100, message: null },
            { kind: "step", index: 1, name: "rollout restart", status: "running", percent: 0, message: null },
          ],
          at: new Date(),
        }),
      ),
    );
    for (const [i, taskId] of ids.entries()) {
      const outcome = outcomes[i];
      expect(outcome?.cancelRequested).toBe(false);
      expect(outcome?.events.map((e) => e.seq)).toEqual([1, 2]);
      const stored = await stores.taskEvents.listForTask(taskId);
      expect(stored.map((e) => [e.seq, e.id, e.data.kind])).toEqual([
        [1, outcome?.events[0]?.id, "step"],
        [2, outcome?.events[1]?.id, "step"],
      ]);
      const steps = await stores.tasks.steps(taskId);
      expect(steps.map((s) => s.status)).toEqual(["succeeded", "running", "pending"]);
      expect((await stores.tasks.get(taskId))?.result).toEqual({ n: i });
    }
  });

  it("refuses a write whose lease was taken, alone: the writes committed with it stand", async () => {
    const first = await leased(`${dialect}/first`, "a");
    const second = await leased(`${dialect}/second`, "a2");
    const stale = await leased(`${dialect}/stale`, "b");
    const others = await Promise.all([leased(`${dialect}/o1`, "c"), leased(`${dialect}/o2`, "d")]);
    // The first writes start batches (one on SQLite, two in parallel on PostgreSQL); the three that
    // follow while those run form the next one together.
    const writes = [
      stores.taskEvents.write({ taskId: first, lease: "a", events: [line("first")], at: new Date() }),
      stores.taskEvents.write({ taskId: second, lease: "a2", events: [line("second")], at: new Date() }),
      stores.taskEvents.write({ taskId: stale, lease: "not-b", events: [line("stale")], at: new Date() }),
      stores.taskEvents.write({ taskId: others[0] ?? "", lease: "c", events: [line("one")], at: new Date() }),
      stores.taskEvents.write({ taskId: others[1] ?? "", lease: "d", events: [line("two")], at: new Date() }),
    ];
    const settled = await Promise.allSettled(writes);
    expect(settled.map((s) => s.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
    ]);
    expect((settled[2] as PromiseRejectedResult).reason).toBeInstanceOf(LeaseLostError);
    expect(await stores.taskEvents.listForTask(stale)).toEqual([]);
    expect((await stores.taskEvents.logs(stale)).length).toBe(0);
    for (const [taskId, message] of [
      [others[0] ?? "", "one"],
      [others[1] ?? "", "two"],
    ] as const) {
      expect((await stores.taskEvents.logs(taskId)).map((l) => l.message)).toEqual([message]);
    }
  });

  it("writes nothing when asked to stop at a requested cancel, and says so", async () => {
    const taskId = await leased(`${dialect}/cancel`, "x");
    await stores.tasks.requestCancel(taskId);
    const outcome = await stores.taskEvents.write({
      taskId,
      lease: "x",
      unlessCancelled: true,
      steps: [{ index: 0, patch: { status: "running" } }],
      events: [{ kind: "step", index: 0, name: "connect", status: "running", percent: 0, message: null }],
      at: new Date(),
    });
    expect(outcome).toEqual({ events: [], cancelRequested: true });
    expect((await stores.tasks.steps(taskId))[0]?.status).toBe("pending");
    // Without the option the write goes through (the runner's cancel path records its own lines).
    const logged = await stores.taskEvents.write({
      taskId,
      lease: "x",
      events: [line("bye")],
      at: new Date(),
    });
    expect(logged.events).toHaveLength(1);
  });

  it("refuses a write for a task that does not exist", async () => {
    await expect(
      stores.taskEvents.write({ taskId: "tsk_missing", lease: null, events: [line("x")], at: new Date() }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it("keeps the last log lines of a task written through batches", async () => {
    const taskId = await leased(`${dialect}/logs`, "l");
    const total = MAX_LOG_LINES_PER_TASK + 30;
    for (let i = 0; i < total; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, k) =>
          stores.taskEvents.write({ taskId, lease: "l", events: [line(`line ${i + k}`)], at: new Date() }),
        ),
      );
    }
    const logs = await stores.taskEvents.logs(taskId);
    expect(logs.length).toBeLessThanOrEqual(MAX_LOG_LINES_PER_TASK + 25);
    expect(logs.at(-1)?.message).toBe(`line ${total - 1}`);
    const events = await stores.taskEvents.listForTask(taskId, 0, 5000);
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    expect(events.at(-1)?.seq).toBe(total);
  });
});
