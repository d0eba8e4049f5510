import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { stepsOf } from "../../domain/model/task-types";
import { silentLogger } from "../../platform/logger";
import type { HandlerDeps } from "../../worker/handlers/deps";
import type { TaskHandler } from "../../worker/handlers/handler";
import { createQueue } from "../../worker/queue/create-queue";
import { composeEngine } from "../support/compose-engine";
import { createTestEngine, type TestEngine } from "../support/engine-harness";
import { newBus, QUEUE } from "../support/servicebus";
import { redisUrl } from "../support/services";

// The lane of an entity whose head task awaits approval stays blocked on every queue engine, and the
// wait survives a worker restart. The handler is a stand-in deploy with a real approval gate.

const ran: string[] = [];
const deploy: TaskHandler<HandlerDeps> = {
  type: "deploy",
  retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20 },
  steps: stepsOf("deploy").map((name) => ({
    name,
    async run(ctx) {
      ran.push(`${String(ctx.payload.label)}:${name}`);
      if (name === "plan")
        ctx.state.planSha256 = createHash("sha256").update(String(ctx.payload.label)).digest("hex");
    },
  })),
  approval: {
    after: "plan",
    async request(ctx) {
      if (ctx.payload.needsApproval !== true) return null;
      return { planSha256: String(ctx.state.planSha256), summary: "stand-in plan", lines: [] };
    },
  },
};

type Engine = "memory" | "bullmq" | "servicebus";
const engines: Engine[] = redisUrl ? ["memory", "bullmq", "servicebus"] : ["memory", "servicebus"];

async function engineFor(kind: Engine): Promise<TestEngine> {
  const queue =
    kind === "servicebus"
      ? {
          engine: "servicebus" as const,
          serviceBusConnectionString:
            "Endpoint=sb://fake.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=x",
          serviceBusQueue: QUEUE,
          serviceBusConnect: newBus().connect,
        }
      : undefined;
  const t = await createTestEngine({
    ...(kind === "bullmq" ? { queueEngine: "bullmq" as const } : {}),
    ...(queue ? { queue } : {}),
    engine: { handlers: [deploy], stepDelayMs: 0, approval: { ttlMs: 60 * 60_000, recheckMs: 60 * 60_000 } },
  });
  await t.engine.startWorker();
  return t;
}

let open: TestEngine | null = null;
afterEach(async () => {
  await open?.destroy();
  open = null;
});

describe.each(engines)("a task awaiting approval on the %s queue", (kind) => {
  it("keeps its entity's lane blocked until approved, while other entities run", async () => {
    const t = await engineFor(kind);
    open = t;
    const submit = async (entityId: string, label: string, needsApproval = false) =>
      (
        await t.engine.tasks.submit({
          type: "deploy",
          entityId,
          payload: { label, needsApproval },
          requestedBy: "alice",
          source: "api",
        })
      ).task.id;
    const first = await submit(`prod-${kind}`, `${kind}-first`, true);
    const second = await submit(`prod-${kind}`, `${kind}-second`);
    await t.waitForStatus(first, ["awaiting_approval"]);
    // Another entity runs to the end meanwhile: the worker is busy, just not with this lane.
    const other = await submit(`dev-${kind}`, `${kind}-other`);
    expect((await t.waitForStatus(other, ["succeeded", "failed"])).status).toBe("succeeded");
    expect((await t.stores.tasks.get(second))?.status).toBe("queued");
    expect(ran.filter((r) => r.startsWith(`${kind}-second`))).toEqual([]);
    expect(ran).not.toContain(`${kind}-first:apply`);

    await t.engine.tasks.approve(first, { id: "bob" });
    expect((await t.waitForStatus(first, ["succeeded", "failed"])).status).toBe("succeeded");
    expect((await t.waitForStatus(second, ["succeeded", "failed"])).status).toBe("succeeded");
    const order = ran.filter((r) => r.startsWith(`${kind}-first`) || r.startsWith(`${kind}-second`));
    expect(order).toEqual([
      `${kind}-first:validate`,
      `${kind}-first:plan`,
      `${kind}-first:apply`,
      `${kind}-second:validate`,
      `${kind}-second:plan`,
      `${kind}-second:apply`,
    ]);
  });
});

describe("a task awaiting approval across a restart (memory queue)", () => {
  it("is waiting again after the process restarts, still ahead of its lane, and runs once approved", async () => {
    const t = await createTestEngine({
      engine: {
        handlers: [deploy],
        stepDelayMs: 0,
        approval: { ttlMs: 60 * 60_000, recheckMs: 60 * 60_000 },
      },
    });
    open = t;
    await t.engine.startWorker();
    const submit = async (label: string, needsApproval = false) =>
      (
        await t.engine.tasks.submit({
          type: "deploy",
          entityId: "prod-restart",
          payload: { label, needsApproval },
          requestedBy: "alice",
          source: "api",
        })
      ).task.id;
    const first = await submit("restart-first", true);
    const second = await submit("restart-second");
    await t.waitForStatus(first, ["awaiting_approval"]);

    // The process goes away: its in-memory queue with it. A new process on the same database starts.
    await t.engine.stop(50);
    await t.queue.close();
    const queue = await createQueue(
      { engine: "memory", maxConcurrentSessions: 4, maxMessagesPerSession: 4, prefix: `${t.prefix}:2` },
      silentLogger,
    );
    const restarted = composeEngine({
      stores: t.stores,
      queue,
      bus: t.bus,
      logger: silentLogger,
      dataDir: t.dataDir,
      stepDelayMs: 0,
      handlers: [deploy],
      approval: { ttlMs: 60 * 60_000, recheckMs: 60 * 60_000 },
    });
    await restarted.startWorker();
    try {
      expect(await queue.positionOf(first)).toBe(0);
      expect(await queue.positionOf(second)).toBe(1);
      expect((await t.stores.tasks.get(first))?.status).toBe("awaiting_approval");
      expect((await t.stores.tasks.get(second))?.status).toBe("queued");

      await restarted.tasks.approve(first, { id: "bob" });
      expect((await t.waitForStatus(first, ["succeeded", "failed"])).status).toBe("succeeded");
      expect((await t.waitForStatus(second, ["succeeded", "failed"])).status).toBe("succeeded");
      expect(ran.filter((r) => r.startsWith("restart-")).slice(-4)).toEqual([
        "restart-first:apply",
        "restart-second:validate",
        "restart-second:plan",
        "restart-second:apply",
      ]);
    } finally {
      await restarted.stop(50);
      await queue.close();
    }
  });
});
