import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStores, type Stores } from "../../db/stores/index";
import { MAX_LOG_LINES_PER_TASK } from "../../db/stores/task-events-store";
import { IllegalTransitionError } from "../../domain/model/task-status";
import { stepsOf } from "../../domain/model/task-types";
import { createTestDatabase, dialectsUnderTest, type TestDatabase } from "../support/databases";

const newTask = (entityId: string, extra: Record<string, unknown> = {}) => ({
  type: "k8s.restart" as const,
  entityId,
  payload: { namespace: "prod", name: "api" },
  requestedBy: "alice@example.com",
  source: "api" as const,
  ...extra,
});

describe.each(dialectsUnderTest())("store contract on %s", (dialect) => {
  let testDb: TestDatabase;
  let stores: Stores;

  beforeAll(async () => {
    testDb = await createTestDatabase(dialect);
    stores = createStores(testDb.database);
  });
  afterAll(async () => testDb?.destroy());

  describe("tasks", () => {
    it("creates a queued task with pending steps named by its type", async () => {
      const { task, created } = await stores.tasks.create(newTask("prod/api"));
      expect(created).toBe(true);
      expect(task).toMatchObject({ status: "queued", attempts: 0, entityId: "prod/api", source: "api" });
      expect(task.id).toMatch(/^tsk_[0-9a-z]{26}$/);
      expect(task.createdAt).toBeInstanceOf(Date);
      expect(task.payload).toEqual({ namespace: "prod", name: "api" });
      const steps = await stores.tasks.steps(task.id);
      expect(steps.map((s) => [s.idx, s.name, s.status])).toEqual([
        [0, "connect", "pending"],
        [1, "rollout restart", "pending"],
        [2, "wait until ready", "pending"],
      ]);
    });

    it("returns the existing task for a repeated idempotency key", async () => {
      const first = await stores.tasks.create(newTask("prod/web", { idempotencyKey: `k-${dialect}` }));
      const second = await stores.tasks.create(newTask("prod/web", { idempotencyKey: `k-${dialect}` }));
      expect(second.created).toBe(false);
      expect(second.task.id).toBe(first.task.id);
    });

    it("moves only along legal transitions, atomically", async () => {
      const { task } = await stores.tasks.create(newTask("prod/t1"));
      const running = await stores.tasks.transition(task.id, "running", { startedAt: new Date() });
      expect(running.status).toBe("running");
      await expect(stores.tasks.transition(task.id, "queued")).rejects.toBeInstanceOf(IllegalTransitionError);
      const results = await Promise.allSettled([
        stores.tasks.transition(task.id, "succeeded"),
        stores.tasks.transition(task.id, "failed"),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    });

    it("returns from create and every move exactly the row a read gives, every column type included", async () => {
      // create and transition are SQL text run on the driver (db/raw-rows.ts), get is the query
      // builder: Dates, JSON, booleans and nulls must come back the same through both.
      const startedAt = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
      const { task } = await stores.tasks.create(
        newTask("prod/raw", { projectId: null, traceContext: "00-abc-def-01", maxAttempts: 5 }),
      );
      expect(task).toEqual(await stores.tasks.get(task.id));
      const running = await stores.tasks.transition(task.id, "running", {
        startedAt,
        attempts: 1,
        leaseToken: "lease-1",
        leaseExpiresAt: new Date(startedAt.getTime() + 60_000),
        result: { nested: { list: [1, "two", null] }, flag: true },
      });
      expect(running).toEqual(await stores.tasks.get(task.id));
      expect(running).toMatchObject({ startedAt, attempts: 1, cancelRequested: false, maxAttempts: 5 });
      const failed = await stores.transaction((tx) =>
        tx.tasks.transition(
          task.id,
          "failed",
          {
            error: { code: "boom", message: "it broke", hint: "retry" },
            leaseToken: null,
            leaseExpiresAt: null,
          },
          new Date(startedAt.getTime() + 1000),
          undefined,
          "lease-1",
          2,
        ),
      );
      expect(failed).toEqual(await stores.tasks.get(task.id));
      expect(failed).toMatchObject({
        status: "failed",
        leaseToken: null,
        leaseExpiresAt: null,
        eventSeq: task.eventSeq + 2,
        error: { code: "boom", message: "it broke", hint: "retry" },
        result: { nested: { list: [1, "two", null] }, flag: true },
        updatedAt: new Date(startedAt.getTime() + 1000),
      });
    });

    it("parks a task with its approval and lets only one decision move it out of awaiting_approval", async () => {
      const { task } = await stores.tasks.create(newTask("prod/approval"));
      await stores.tasks.transition(task.id, "running");
      const approval = {
        planSha256: "f".repeat(64),
        summary: "1 to change",
        lines: ["~ Deployment ns/web: spec.replicas 2 -> 3"],
        requestedAt: "2026-01-05T10:00:00.000Z",
        expiresAt: "2026-01-05T11:00:00.000Z",
        decision: null,
        decidedBy: null,
        decidedAt: null,
        comment: null,
      };
      const parked = await stores.tasks.transition(task.id, "awaiting_approval", { approval });
      expect(parked.approval).toEqual(approval);
      expect((await stores.tasks.get(task.id))?.approval).toEqual(approval);
      expect((await stores.tasks.countByStatus()).awaiting_approval).toBeGreaterThanOrEqual(1);
      const decided = { ...approval, decision: "approved" as const, decidedBy: "bob" };
      const results = await Promise.allSettled([
        stores.tasks.transition(task.id, "queued", { approval: decided }, new Date(), ["awaiting_approval"]),
        stores.tasks.transition(task.id, "cancelled", {}, new Date(), ["awaiting_approval"]),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      // A failed task may go back to queued, but not through a move that names awaiting_approval only.
      const { task: other } = await stores.tasks.create(newTask("prod/approval-2"));
      await stores.tasks.transition(other.id, "running");
      await stores.tasks.transition(other.id, "failed");
      await expect(
        stores.tasks.transition(other.id, "queued", {}, new Date(), ["awaiting_approval"]),
      ).rejects.toBeInstanceOf(IllegalTransitionError);
    });

    it("reports an unknown task as not found when asked to move", async () => {
      await expect(
        stores.tasks.transition("tsk_00000000000000000000000000", "running"),
      ).rejects.toMatchObject({
        code: "task_not_found",
      });
    });

    it("pages newest first by cursor and filters by status, type and entity", async () => {
      const entity = `page/${dialect}`;
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        const { task } = await stores.tasks.create(
          newTask(entity),
          new Date(Date.UTC(2026, 0, 1, 0, 0, i % 3)),
        );
        ids.push(task.id);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await stores.tasks.list({ entityId: entity, limit: 3, cursor });
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((t) => t.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toHaveLength(7);
      expect(new Set(seen).size).toBe(7);
      const listed = await stores.tasks.list({ entityId: entity, limit: 50 });
      const times = listed.items.map((t) => t.createdAt.getTime());
      expect([...times].sort((a, b) => b - a)).toEqual(times);

      const firstId = ids[0] ?? "";
      await stores.tasks.transition(firstId, "cancelled");
      const cancelled = await stores.tasks.list({ entityId: entity, status: "cancelled" });
      expect(cancelled.items.map((t) => t.id)).toEqual([firstId]);
      expect((await stores.tasks.list({ entityId: entity, type: "deploy" })).items).toEqual([]);
    });

    it("finds tasks by free text: entity name, requester, template, id, with LIKE wildcards taken literally", async () => {
      const tag = `${dialect}${Date.now().toString(36)}`;
      const project = await stores.projects.create({ name: `findme-${tag}` });
      const env = await stores.environments.create(project.id, { name: "prod", type: "prod" });
      const { task: deploy } = await stores.tasks.create({
        ...newTask(env.id),
        type: "deploy" as const,
        payload: { projectId: project.id, envId: env.id, templateId: `tmpl-${tag}`, params: {} },
        requestedBy: `Bob.${tag}@contoso.com`,
      });
      const { task: other } = await stores.tasks.create(newTask(`prod/other-${tag}`));
      const ids = async (q: string) => (await stores.tasks.list({ q, limit: 50 })).items.map((t) => t.id);
      expect(await ids(`FINDME-${tag}/PROD`)).toEqual([deploy.id]);
      expect(await ids(`bob.${tag}`)).toEqual([deploy.id]);
      expect(await ids(`tmpl-${tag}`)).toEqual([deploy.id]);
      expect(await ids(other.id)).toEqual([other.id]);
      expect(await ids(`other-${tag}`)).toEqual([other.id]);
      // % and _ are text, not wildcards.
      expect(await ids(`findme%${tag}`)).toEqual([]);
      expect(await ids(`findme_${tag}`)).toEqual([]);
      expect((await stores.tasks.list({ q: `${tag}`, type: "deploy" })).items.map((t) => t.id)).toEqual([
        deploy.id,
      ]);
    });

    it("reads a task's detail with its steps in order, and nothing for an unknown id", async () => {
      const { task } = await stores.tasks.create(newTask("prod/detail"));
      await stores.tasks.updateStep(task.id, 1, { status: "running", percent: 40 });
      const detail = await stores.tasks.detail(task.id);
      expect(detail?.task).toEqual(task);
      expect(detail?.steps.map((s) => s.idx)).toEqual(stepsOf("k8s.restart").map((_, i) => i));
      expect(detail?.steps[1]).toMatchObject({ status: "running", percent: 40 });
      expect(detail?.logs).toEqual([]);
      expect(await stores.tasks.detail("tsk_00000000000000000000000000")).toBeNull();
      expect(await stores.tasks.withSteps("tsk_00000000000000000000000000")).toBeNull();
    });

    it("lists pages whose rows equal the query builder's reads: dates, JSON, booleans, nulls, newest first", async () => {
      const tag = `listrows${dialect}${Date.now()}`;
      const { task: plain } = await stores.tasks.create(
        newTask(`prod/${tag}-a`, { idempotencyKey: `${tag}-a` }),
      );
      const { task: rich } = await stores.tasks.create(
        newTask(`prod/${tag}-b`, {
          payload: { note: 'quoted " \\ ünïcode', nested: { n: 1.5, list: [1, null] } },
        }),
      );
      await stores.tasks.transition(rich.id, "running", { startedAt: new Date("2026-01-05T10:00:01.234Z") });
      await stores.tasks.transition(rich.id, "failed", {
        finishedAt: new Date("2026-01-05T10:00:02.5Z"),
        error: { code: "boom", message: "it broke" },
        result: { partial: true },
        cancelRequested: true,
      });
      // Both may carry the same millisecond: the order is (createdAt, id), newest first.
      const expected = [await stores.tasks.get(plain.id), await stores.tasks.get(rich.id)].sort(
        (a, b) =>
          (b?.createdAt.getTime() ?? 0) - (a?.createdAt.getTime() ?? 0) ||
          ((b?.id ?? "") > (a?.id ?? "") ? 1 : -1),
      );
      expect((await stores.tasks.list({ q: tag })).items).toEqual(expected);
      const page = await stores.tasks.list({ q: tag, limit: 1 });
      expect(page.items).toEqual(expected.slice(0, 1));
      expect(page.nextCursor).not.toBeNull();
      const rest = await stores.tasks.list({ q: tag, limit: 5, cursor: page.nextCursor });
      expect(rest.items).toEqual(expected.slice(1));
      expect(rest.nextCursor).toBeNull();
      expect((await stores.tasks.list({ q: `${tag}-nothing` })).items).toEqual([]);
    });

    it("reads a detail whose rows equal the query builder's: dates, JSON, nulls and log lines in order", async () => {
      const { task } = await stores.tasks.create(newTask("prod/detail-rows"));
      const startedAt = new Date("2026-01-05T10:00:01.234Z");
      await stores.tasks.updateStep(task.id, 0, {
        status: "succeeded",
        percent: 100,
        message: 'done: "quoted" \\ and ünïcode',
        startedAt,
        finishedAt: new Date(startedAt.getTime() + 1500),
      });
      await stores.tasks.updateStep(task.id, 1, { status: "running", percent: 40, startedAt });
      for (const message of ["first", "second", "third"]) {
        await stores.taskEvents.append(task.id, { kind: "log", level: "warn", step: "rollout", message });
      }
      // Every kind of value a task row holds, set (the detail is read as one JSON object).
      await stores.tasks.update(task.id, {
        result: { nested: { list: [1, "two", null, 2.5] }, flag: false, text: 'a "b" \\ ü' },
        error: { code: "step_failed", message: 'failed: "quoted" ünïcode' },
        attempts: 2,
        startedAt,
        cancelRequested: true,
        leaseToken: "lease-1",
        leaseExpiresAt: new Date(startedAt.getTime() + 60_000),
      });
      const detail = await stores.tasks.detail(task.id, 2);
      expect(detail?.task).toMatchObject({
        cancelRequested: true,
        attempts: 2,
        startedAt,
        error: { code: "step_failed", message: 'failed: "quoted" ünïcode' },
      });
      expect(detail?.task.result).toEqual({
        nested: { list: [1, "two", null, 2.5] },
        flag: false,
        text: 'a "b" \\ ü',
      });
      expect(detail?.task).toEqual(await stores.tasks.get(task.id));
      expect(detail?.steps).toEqual(await stores.tasks.steps(task.id));
      expect(detail?.steps[0]?.startedAt).toEqual(startedAt);
      expect(detail?.logs).toEqual((await stores.taskEvents.logs(task.id)).slice(-2));
      expect(detail?.logs.map((l) => l.message)).toEqual(["second", "third"]);
      expect((await stores.tasks.detail(task.id, 0))?.logs).toEqual([]);
      expect(await stores.tasks.withSteps(task.id)).toEqual({ task: detail?.task, steps: detail?.steps });
    });

    it("refuses a cursor it did not issue", async () => {
      await expect(stores.tasks.list({ cursor: "bm9wZQ" })).rejects.toMatchObject({ code: "invalid_cursor" });
    });

    it("resets only unfinished steps unless asked to start from scratch", async () => {
      const { task } = await stores.tasks.create(newTask("prod/steps"));
      await stores.tasks.updateStep(task.id, 0, { status: "succeeded", percent: 100 });
      await stores.tasks.updateStep(task.id, 1, { status: "failed", percent: 40 });
      await stores.tasks.resetSteps(task.id, false);
      expect((await stores.tasks.steps(task.id)).map((s) => s.status)).toEqual([
        "succeeded",
        "pending",
        "pending",
      ]);
      await stores.tasks.resetSteps(task.id, true);
      expect((await stores.tasks.steps(task.id)).map((s) => s.status)).toEqual([
        "pending",
        "pending",
        "pending",
      ]);
    });
  });

  describe("task leases (fencing)", () => {
    it("gives a running task's lease to one delivery at a time and refuses writes under a stale one", async () => {
      const { task } = await stores.tasks.create(newTask(`lease/${dialect}`));
      // Only a running task can be leased.
      expect(await stores.tasks.takeLease(task.id, "a", null, 60_000)).toBeNull();
      await stores.tasks.transition(task.id, "running", {
        leaseToken: "a",
        leaseExpiresAt: new Date(Date.now() + 60_000),
      });
      // A second delivery that read the row before "a" took it loses the race.
      expect(await stores.tasks.takeLease(task.id, "b", null, 60_000)).toBeNull();
      expect(await stores.tasks.renewLease(task.id, "a", 60_000)).toBe(true);
      await stores.transaction((tx) => tx.tasks.fence(task.id, "a"));
      // "b" takes over from "a" (as after a's lease expired); a's renewals and writes are refused.
      const taken = await stores.tasks.takeLease(task.id, "b", "a", 60_000);
      expect(taken?.leaseToken).toBe("b");
      expect(await stores.tasks.renewLease(task.id, "a", 60_000)).toBe(false);
      await expect(
        stores.transaction(async (tx) => {
          await tx.tasks.fence(task.id, "a");
          await tx.tasks.update(task.id, { result: { written: "by a stale runner" } });
        }),
      ).rejects.toMatchObject({ code: "lease_lost" });
      expect((await stores.tasks.get(task.id))?.result).toBeNull();
      // Released: the next delivery takes it from nobody.
      await stores.tasks.releaseLease(task.id, "b");
      expect((await stores.tasks.takeLease(task.id, "c", null, 60_000))?.leaseToken).toBe("c");
    });
  });

  describe("unfinished tasks in queue order", () => {
    it("lists running tasks first, then queued ones in the order they were queued (a retry goes to the back)", async () => {
      const entity = `order/${dialect}`;
      const queuedEvent = { kind: "status" as const, status: "queued" as const, attempts: 0, error: null };
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const { task } = await stores.tasks.create(newTask(entity));
        await stores.taskEvents.append(task.id, queuedEvent);
        ids.push(task.id);
      }
      const [first, second, third] = ids as [string, string, string];
      await stores.tasks.transition(third, "running");
      await stores.taskEvents.append(third, { ...queuedEvent, status: "running" });
      // The first one was retried after the others were queued (a new "queued" status event).
      await stores.taskEvents.append(first, queuedEvent);
      const mine = (await stores.tasks.listUnfinished()).filter((t) => t.entityId === entity);
      expect(mine.map((t) => t.id)).toEqual([third, second, first]);
    });
  });

  describe("a new task recorded with its first event", () => {
    it("creates the task with its steps and first event, and returns what readers get", async () => {
      const queued = { kind: "status" as const, status: "queued" as const, attempts: 0, error: null };
      const created = await stores.taskEvents.recordCreate(newTask("prod/created"), new Date(), queued);
      expect(created.created).toBe(true);
      expect(created.task).toEqual(await stores.tasks.get(created.task.id));
      expect(created.task).toMatchObject({ status: "queued", eventSeq: 1, entityId: "prod/created" });
      expect((await stores.tasks.steps(created.task.id)).map((s) => [s.idx, s.name, s.status])).toEqual(
        stepsOf("k8s.restart").map((name, idx) => [idx, name, "pending"]),
      );
      expect(await stores.taskEvents.listForTask(created.task.id)).toEqual([created.event]);
    });

    it("returns the task holding a taken idempotency key, and writes nothing", async () => {
      const queued = { kind: "status" as const, status: "queued" as const, attempts: 0, error: null };
      const key = { idempotencyKey: `recorded-${dialect}` };
      const first = await stores.taskEvents.recordCreate(newTask("prod/once", key), new Date(), queued);
      const again = await stores.taskEvents.recordCreate(newTask("prod/once", key), new Date(), queued);
      expect(again).toEqual({ task: first.task, created: false, event: null });
      expect(await stores.taskEvents.listForTask(first.task.id)).toHaveLength(1);
      const page = await stores.tasks.list({ entityId: "prod/once" });
      expect(page.items.map((t) => t.id)).toEqual([first.task.id]);
    });
  });

  describe("a move recorded with its events", () => {
    it("moves the task, records the given events then its status event, and returns what a reader lists", async () => {
      const { task } = await stores.tasks.create(newTask("prod/recorded"));
      const started = await stores.taskEvents.recordMove({
        id: task.id,
        to: "running",
        patch: { attempts: 1, leaseToken: "l1", error: null },
        now: new Date(),
        events: [],
      });
      expect(started.task).toEqual(await stores.tasks.get(task.id));
      expect(started.events.map((e) => e.data)).toEqual([
        { kind: "status", status: "running", attempts: 1, error: null },
      ]);
      const failed = await stores.taskEvents.recordMove({
        id: task.id,
        to: "failed",
        patch: { error: { code: "boom", message: "it broke", hint: "not in the event" }, leaseToken: null },
        now: new Date(),
        lease: "l1",
        events: [
          { kind: "log", level: "warn", message: "giving up", step: null },
          { kind: "step", index: 1, name: "rollout restart", status: "failed", percent: 0, message: null },
        ],
      });
      expect(failed.task).toEqual(await stores.tasks.get(task.id));
      expect(failed.task).toMatchObject({ status: "failed", eventSeq: 4, leaseToken: null });
      expect(failed.events.map((e) => [e.seq, e.data.kind])).toEqual([
        [2, "log"],
        [3, "step"],
        [4, "status"],
      ]);
      expect(failed.events.at(-1)?.data).toEqual({
        kind: "status",
        status: "failed",
        attempts: 1,
        error: { code: "boom", message: "it broke" },
      });
      expect((await stores.taskEvents.logs(task.id)).map((l) => [l.seq, l.level, l.message])).toEqual([
        [2, "warn", "giving up"],
      ]);
      // What the move returned to publish is exactly what a reader of the table gets.
      const listed = await stores.taskEvents.listForTask(task.id);
      expect(listed).toEqual(
        [...started.events, ...failed.events].map((e) => ({ ...e, task: listed[0]?.task })),
      );
    });

    const lastStepSucceeded = {
      kind: "step",
      index: 2,
      name: "wait until ready",
      status: "succeeded",
      percent: 100,
      message: null,
    } as const;

    it("records step rows and the events after its status event with the move", async () => {
      const { task } = await stores.tasks.create(newTask("prod/recorded-steps"));
      const at = new Date("2026-12-04T12:00:00.000Z");
      const first = {
        kind: "step",
        index: 0,
        name: "connect",
        status: "running",
        percent: 0,
        message: null,
      } as const;
      const started = await stores.taskEvents.recordMove({
        id: task.id,
        to: "running",
        patch: { attempts: 1, leaseToken: "l1" },
        now: at,
        events: [],
        after: [first],
        steps: [
          {
            index: 0,
            patch: { status: "running", percent: 0, message: null, startedAt: at, finishedAt: null },
          },
        ],
      });
      expect(started.events.map((e) => [e.seq, e.data.kind])).toEqual([
        [1, "status"],
        [2, "step"],
      ]);
      expect(started.events[1]?.data).toEqual(first);
      expect(started.task.eventSeq).toBe(2);
      const later = new Date("2026-12-04T12:00:05.000Z");
      const done = await stores.taskEvents.recordMove({
        id: task.id,
        to: "succeeded",
        patch: { finishedAt: later, leaseToken: null },
        now: later,
        lease: "l1",
        unlessCancelled: true,
        events: [lastStepSucceeded],
        steps: [{ index: 2, patch: { status: "succeeded", percent: 100, finishedAt: later } }],
      });
      expect(done.events.map((e) => [e.seq, e.data.kind])).toEqual([
        [3, "step"],
        [4, "status"],
      ]);
      const steps = await stores.tasks.steps(task.id);
      expect(steps.map((s) => [s.idx, s.status, s.percent, s.startedAt, s.finishedAt])).toEqual([
        [0, "running", 0, at, null],
        [1, "pending", 0, null, null],
        [2, "succeeded", 100, null, later],
      ]);
      // What the moves returned to publish is exactly what a reader of the table gets.
      const listed = await stores.taskEvents.listForTask(task.id);
      expect(listed).toEqual(
        [...started.events, ...done.events].map((e) => ({ ...e, task: listed[0]?.task })),
      );
    });

    it("refuses a move with unlessCancelled once a cancel was requested, and records nothing", async () => {
      const { task } = await stores.tasks.create(newTask("prod/recorded-cancel"));
      await stores.taskEvents.recordMove({
        id: task.id,
        to: "running",
        patch: { leaseToken: "l2" },
        now: new Date(),
        events: [],
      });
      expect(await stores.tasks.requestCancel(task.id)).toBe(true);
      const move = {
        id: task.id,
        to: "succeeded" as const,
        patch: {},
        now: new Date(),
        lease: "l2",
        events: [lastStepSucceeded],
        steps: [{ index: 2, patch: { status: "succeeded" as const, percent: 100 } }],
      };
      await expect(stores.taskEvents.recordMove({ ...move, unlessCancelled: true })).rejects.toMatchObject({
        code: "cancel_requested",
      });
      // A lost lease is told apart from the cancel, and nothing of either refused move was stored.
      await expect(
        stores.taskEvents.recordMove({ ...move, lease: "theirs", unlessCancelled: true }),
      ).rejects.toMatchObject({ code: "lease_lost" });
      expect((await stores.taskEvents.listForTask(task.id)).map((e) => e.seq)).toEqual([1]);
      expect((await stores.tasks.steps(task.id)).map((s) => s.status)).toEqual([
        "pending",
        "pending",
        "pending",
      ]);
      // Without the flag the same move goes through (the runner's own cancel path moves it to cancelled).
      const moved = await stores.taskEvents.recordMove({ ...move, to: "cancelled" });
      expect(moved.task.status).toBe("cancelled");
    });

    it("refuses a move under a lost lease or from the wrong status, and records nothing", async () => {
      const { task } = await stores.tasks.create(newTask("prod/recorded-refused"));
      await stores.taskEvents.recordMove({
        id: task.id,
        to: "running",
        patch: { leaseToken: "mine" },
        now: new Date(),
        events: [],
      });
      const move = { id: task.id, to: "succeeded" as const, patch: {}, now: new Date(), events: [] };
      await expect(stores.taskEvents.recordMove({ ...move, lease: "theirs" })).rejects.toMatchObject({
        code: "lease_lost",
      });
      await expect(stores.taskEvents.recordMove({ ...move, to: "queued" })).rejects.toBeInstanceOf(
        IllegalTransitionError,
      );
      await expect(stores.taskEvents.recordMove({ ...move, id: "tsk_missing" })).rejects.toMatchObject({
        code: "task_not_found",
      });
      expect((await stores.taskEvents.listForTask(task.id)).map((e) => e.seq)).toEqual([1]);
      expect((await stores.tasks.get(task.id))?.eventSeq).toBe(1);
    });
  });

  describe("task events and logs", () => {
    it("numbers events per task without gaps and resumes after a sequence number", async () => {
      const { task } = await stores.tasks.create(newTask("prod/events"));
      const events = [];
      for (let i = 0; i < 5; i++) {
        events.push(
          await stores.taskEvents.append(task.id, { kind: "log", level: "info", message: `line ${i}` }),
        );
      }
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(events[0]?.task).toEqual({ type: "k8s.restart", entityId: "prod/events", status: "queued" });
      // What a write returns (ready to publish) is what a reader of the table gets: ids, times, data.
      expect(await stores.taskEvents.listForTask(task.id)).toEqual(events);
      const after = await stores.taskEvents.listForTask(task.id, 3);
      expect(after.map((e) => e.seq)).toEqual([4, 5]);
      const since = await stores.taskEvents.listSince(events[1]?.id ?? 0);
      expect(since.filter((e) => e.taskId === task.id).map((e) => e.seq)).toEqual([3, 4, 5]);
      expect(await stores.taskEvents.latestId()).toBeGreaterThanOrEqual(events[4]?.id ?? Infinity);
    });

    it(`keeps at most ${MAX_LOG_LINES_PER_TASK} log lines per task, dropping the oldest`, async () => {
      const { task } = await stores.tasks.create(newTask("prod/logs"));
      for (let i = 0; i < MAX_LOG_LINES_PER_TASK + 60; i++) {
        await stores.taskEvents.append(task.id, { kind: "log", level: "info", message: `line ${i}` });
      }
      const logs = await stores.taskEvents.logs(task.id);
      expect(logs.length).toBeLessThanOrEqual(MAX_LOG_LINES_PER_TASK + 25);
      expect(logs.length).toBeGreaterThanOrEqual(MAX_LOG_LINES_PER_TASK);
      expect(logs.at(-1)?.message).toBe(`line ${MAX_LOG_LINES_PER_TASK + 59}`);
      expect(logs[0]?.message).not.toBe("line 0");
      const detail = await stores.tasks.detail(task.id, 3);
      expect(detail?.logs.map((l) => l.message)).toEqual([
        `line ${MAX_LOG_LINES_PER_TASK + 57}`,
        `line ${MAX_LOG_LINES_PER_TASK + 58}`,
        `line ${MAX_LOG_LINES_PER_TASK + 59}`,
      ]);
    }, 60_000);
  });

  describe("projects and environments", () => {
    it("creates, renames, resolves by name and refuses duplicates", async () => {
      const project = await stores.projects.create({ name: `shop-${dialect}`, description: "web shop" });
      await expect(stores.projects.create({ name: `shop-${dialect}` })).rejects.toMatchObject({
        code: "project_name_taken",
      });
      expect((await stores.projects.resolve(`shop-${dialect}`))?.id).toBe(project.id);
      const renamed = await stores.projects.update(project.id, { name: `store-${dialect}` });
      expect(renamed.name).toBe(`store-${dialect}`);
      expect((await stores.projects.list()).some((p) => p.id === project.id)).toBe(true);
    });

    it("lists sandboxes whose expiry has come and cascades deletes", async () => {
      const project = await stores.projects.create({ name: `env-${dialect}` });
      const past = new Date(Date.now() - 60_000);
      const due = await stores.environments.create(project.id, {
        name: "sbx-1",
        type: "sandbox",
        ttlMinutes: 5,
        expiresAt: past,
      });
      await stores.environments.create(project.id, { name: "prod", type: "prod" });
      await expect(
        stores.environments.create(project.id, { name: "prod", type: "prod" }),
      ).rejects.toMatchObject({
        code: "environment_name_taken",
      });
      const dueNow = await stores.environments.listDueExpiries();
      expect(dueNow.map((e) => e.id)).toContain(due.id);
      await stores.environments.update(due.id, { status: "expired" });
      expect((await stores.environments.listDueExpiries()).map((e) => e.id)).not.toContain(due.id);
      await stores.projects.delete(project.id);
      expect(await stores.environments.listByProject(project.id)).toEqual([]);
    });
  });

  const letterFor = (task: { id: string; type: string; entityId: string }) => ({
    taskId: task.id,
    taskType: task.type,
    entityId: task.entityId,
    reason: "attempts_exhausted",
    attempts: 3,
    lastError: "boom",
  });

  describe("dead letters", () => {
    it("records a dead letter and lets exactly one caller resolve it", async () => {
      const { task } = await stores.tasks.create(newTask("prod/dlq"));
      const letter = await stores.deadLetters.create(letterFor(task));
      expect((await stores.deadLetters.openForTask(task.id))?.id).toBe(letter.id);
      const results = await Promise.allSettled([
        stores.deadLetters.resolve(letter.id, "retried", "alice"),
        stores.deadLetters.resolve(letter.id, "skipped", "bob"),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect((await stores.deadLetters.list({ status: "open" })).items.map((d) => d.id)).not.toContain(
        letter.id,
      );
    });
  });

  describe("dead letters stay one open per task", () => {
    it("returns the open letter instead of filing a second one, even when two writers race", async () => {
      const { task } = await stores.tasks.create(newTask(`dlq-uq/${dialect}`));
      const letter = letterFor(task);
      const [a, b] = await Promise.all([
        stores.deadLetters.create(letter),
        stores.deadLetters.create(letter),
      ]);
      expect(a.id).toBe(b?.id);
      const open = (await stores.deadLetters.list({ status: "open", limit: 200 })).items.filter(
        (d) => d.taskId === task.id,
      );
      expect(open).toHaveLength(1);
    });
  });

  describe("transactions", () => {
    it("commits every write of a transaction together, or none when it throws", async () => {
      const { task } = await stores.tasks.create(newTask(`tx/${dialect}`));
      await expect(
        stores.transaction(async (tx) => {
          await tx.tasks.transition(task.id, "running", { attempts: 1 });
          await tx.taskEvents.append(task.id, { kind: "log", level: "info", message: "inside", step: null });
          throw new Error("rolled back");
        }),
      ).rejects.toThrow("rolled back");
      expect((await stores.tasks.mustGet(task.id)).status).toBe("queued");
      expect(await stores.taskEvents.listForTask(task.id)).toEqual([]);
      await stores.transaction(async (tx) => {
        await tx.tasks.transition(task.id, "running", { attempts: 1 });
        await tx.taskEvents.append(task.id, { kind: "log", level: "info", message: "inside", step: null });
      });
      expect((await stores.tasks.mustGet(task.id)).status).toBe("running");
      expect((await stores.taskEvents.listForTask(task.id)).map((e) => e.seq)).toEqual([1]);
    });

    it("never lets a reader see event N+1 of a task before event N, under concurrent writers", async () => {
      const { task } = await stores.tasks.create(newTask(`seq/${dialect}`));
      const writers = 40;
      let violations = 0;
      let lastSeen = 0;
      let done = false;
      // A reader resuming after the last sequence it saw, as a task stream does.
      const reader = (async () => {
        while (!done) {
          const events = await stores.taskEvents.listForTask(task.id, lastSeen, 1000);
          for (const e of events) {
            if (e.seq !== lastSeen + 1) violations++;
            lastSeen = e.seq;
          }
        }
      })();
      await Promise.all(
        Array.from({ length: writers }, (_, i) =>
          i % 5 === 0
            ? stores.transaction(async (tx) => {
                await tx.tasks.update(task.id, { attempts: i });
                await tx.taskEvents.append(task.id, {
                  kind: "log",
                  level: "info",
                  message: `tx ${i}`,
                  step: null,
                });
              })
            : stores.taskEvents.append(task.id, {
                kind: "log",
                level: "info",
                message: `line ${i}`,
                step: null,
              }),
        ),
      );
      done = true;
      await reader;
      const all = await stores.taskEvents.listForTask(task.id);
      expect(all.map((e) => e.seq)).toEqual(Array.from({ length: writers }, (_, i) => i + 1));
      expect(violations).toBe(0);
    });
  });

  describe("idempotency keys", () => {
    const long = { ttlMs: 60_000, leaseMs: 60_000 };
    it("grants one reservation among simultaneous callers and replays the stored response", async () => {
      const key = `idem-${dialect}`;
      const claims = await Promise.all(
        Array.from({ length: 10 }, () => stores.idempotency.reserve(key, "fp-1", long)),
      );
      expect(claims.filter((c) => c.state === "reserved")).toHaveLength(1);
      expect(claims.filter((c) => c.state === "in_flight")).toHaveLength(9);
      await stores.idempotency.complete(key, 202, { taskId: "tsk_x" }, { location: "/api/tasks/tsk_x" });
      const replay = await stores.idempotency.reserve(key, "fp-1", long);
      expect(replay).toMatchObject({
        state: "completed",
        record: { statusCode: 202, response: { taskId: "tsk_x" } },
      });
      expect((await stores.idempotency.reserve(key, "fp-2", long)).state).toBe("mismatch");
    });

    it("lets an expired key be claimed again", async () => {
      const key = `idem-exp-${dialect}`;
      await stores.idempotency.reserve(key, "fp-1", { ttlMs: 1, leaseMs: 1 }, new Date(Date.now() - 10_000));
      await stores.idempotency.attachTask(key, "tsk_old");
      await stores.idempotency.complete(key, 202, { taskId: "tsk_old" }, { location: "/old" });
      expect((await stores.idempotency.reserve(key, "fp-2", long)).state).toBe("reserved");
      // The new claim starts clean: nothing of the expired answer is replayed.
      expect(await stores.idempotency.get(key)).toMatchObject({
        fingerprint: "fp-2",
        statusCode: null,
        response: null,
        headers: null,
        taskId: null,
      });
    });

    it("frees an unanswered claim once its lease has run out, not after the key's lifetime", async () => {
      const key = `idem-lease-${dialect}`;
      const crashed = new Date(Date.now() - 60_000);
      await stores.idempotency.reserve(key, "fp-1", { ttlMs: 86_400_000, leaseMs: 30_000 }, crashed);
      expect((await stores.idempotency.reserve(key, "fp-1", long)).state).toBe("reserved");
      // The new owner holds a fresh lease: a third caller waits.
      expect((await stores.idempotency.reserve(key, "fp-1", long)).state).toBe("in_flight");
    });

    it("keeps the task a failed request created linked to its key, so the retry finds it", async () => {
      const key = `idem-task-${dialect}`;
      await stores.idempotency.reserve(key, "fp-1", long);
      const { task } = await stores.tasks.create(newTask(`idem/${dialect}`));
      await stores.idempotency.attachTask(key, task.id);
      await stores.idempotency.release(key);
      expect(await stores.idempotency.reserve(key, "fp-1", long)).toEqual({
        state: "reserved",
        taskId: task.id,
      });
    });

    it("purges expired keys", async () => {
      const key = `idem-purge-${dialect}`;
      await stores.idempotency.reserve(key, "fp-1", { ttlMs: 1, leaseMs: 1 }, new Date(Date.now() - 10_000));
      expect(await stores.idempotency.purgeExpired()).toBeGreaterThanOrEqual(1);
      expect(await stores.idempotency.get(key)).toBeNull();
    });
  });

  describe("settings, artifacts and audit", () => {
    it("upserts notification settings per project", async () => {
      const project = await stores.projects.create({ name: `notify-${dialect}` });
      await stores.notificationSettings.put(project.id, { teamsWebhookUrl: null, emailList: ["a@x.io"] });
      const saved = await stores.notificationSettings.put(project.id, {
        teamsWebhookUrl: "https://example.webhook.office.com/x",
        emailList: ["a@x.io", "b@x.io"],
      });
      expect(saved.emailList).toEqual(["a@x.io", "b@x.io"]);
      expect((await stores.notificationSettings.get(project.id))?.teamsWebhookUrl).toContain(
        "webhook.office.com",
      );
    });

    it("records artifacts by instance and audit entries newest first", async () => {
      const art = await stores.artifacts.create({
        kind: "backup",
        path: "backups/x.bak",
        size: 12,
        sha256: "a".repeat(64),
        taskId: null,
        engine: "azure-sql",
        instanceId: `db-${dialect}`,
      });
      expect((await stores.artifacts.listForInstance("azure-sql", `db-${dialect}`)).map((a) => a.id)).toEqual(
        [art.id],
      );
      await stores.audit.record({
        actor: "alice",
        role: "admin",
        source: "api",
        action: "task.create",
        outcome: "ok",
      });
      const [latest] = await stores.audit.recent(1);
      expect(latest).toMatchObject({ actor: "alice", action: "task.create", outcome: "ok" });
    });

    it("lists audit entries of the same millisecond newest first too", async () => {
      // Two quick requests (a cancel, then a rate-limited backup) were once read back in either order.
      const at = new Date();
      for (let i = 0; i < 20; i++)
        await stores.audit.record(
          { actor: `same-ms-${i}`, role: "operator", source: "api", action: "task.cancel", outcome: "ok" },
          at,
        );
      const newest = (await stores.audit.recent(20)).map((row) => row.actor);
      expect(newest).toEqual(Array.from({ length: 20 }, (_, i) => `same-ms-${19 - i}`));
    });
  });
});
