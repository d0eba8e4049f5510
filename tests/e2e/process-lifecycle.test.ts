import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../db/client";
import { createStores, type Stores } from "../../db/stores/index";
import { startAppProcess } from "../support/process";

const waitFor = async <T>(probe: () => Promise<T | null | undefined>, timeoutMs: number): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe("the process: roles and a clean stop", () => {
  let dataDir: string;
  let stores: Stores;
  let close: () => Promise<void>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "cloudops-proc-"));
    const database = await openDatabase(`file:${join(dataDir, "platform.db")}`);
    stores = createStores(database);
    close = () => database.close();
  });
  afterAll(async () => {
    await close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("on SIGTERM stops within 10 s, hands the running task back, and the next start finishes it", async () => {
    const { task } = await stores.tasks.create({
      type: "k8s.restart",
      entityId: "prod/api",
      payload: { namespace: "prod", name: "api" },
      requestedBy: "tester",
      source: "api",
    });
    const app = await startAppProcess({
      DATA_DIR: dataDir,
      DEMO_STEP_DELAY_MS: "4000",
      SHUTDOWN_GRACE_MS: "500",
    });
    await waitFor(async () => (await stores.tasks.get(task.id))?.status === "running", 60_000);

    const stoppedAt = Date.now();
    app.child.kill("SIGTERM");
    expect(await app.exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    expect(app.output()).toContain("stopped cleanly");

    const handedBack = await stores.tasks.get(task.id);
    expect(handedBack?.status).toBe("running");
    const steps = await stores.tasks.steps(task.id);
    expect(steps.some((s) => s.status === "running")).toBe(false);
    const logs = await stores.taskEvents.logs(task.id);
    expect(logs.map((l) => l.message)).toContain(
      "[simulated cluster] Worker stopping: task handed back to the queue",
    );

    const again = await startAppProcess({ DATA_DIR: dataDir, DEMO_STEP_DELAY_MS: "20" });
    try {
      const done = await waitFor(async () => {
        const t = await stores.tasks.get(task.id);
        return t && ["succeeded", "failed"].includes(t.status) ? t : null;
      }, 60_000);
      expect(done.status).toBe("succeeded");
    } finally {
      again.child.kill("SIGINT");
      expect(await again.exited).toBe(0);
    }
  }, 240_000);

  it("on SIGTERM with SHUTDOWN_GRACE_MS above 10 s waits out the grace and stops cleanly", async () => {
    const { task } = await stores.tasks.create({
      type: "k8s.restart",
      entityId: "prod/api",
      payload: { namespace: "prod", name: "api" },
      requestedBy: "tester",
      source: "api",
    });
    // A rollout far longer than the grace (the simulated cluster moves one pod step per 10 s): the
    // running step gets the whole 12 s grace, past the old fixed 9.5 s exit, then hands the task back.
    const app = await startAppProcess({
      DATA_DIR: dataDir,
      DEMO_STEP_DELAY_MS: "20000",
      SHUTDOWN_GRACE_MS: "12000",
    });
    await waitFor(async () => (await stores.tasks.get(task.id))?.status === "running", 60_000);
    const stoppedAt = Date.now();
    app.child.kill("SIGTERM");
    expect(await app.exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(11_000);
    expect(app.output()).toContain("stopped cleanly");
    expect(app.output()).not.toContain("clean stop took too long");
    const steps = await stores.tasks.steps(task.id);
    expect(steps.some((s) => s.status === "running")).toBe(false);
    const logs = await stores.taskEvents.logs(task.id);
    expect(logs.some((l) => l.message.includes("Worker stopping: task handed back to the queue"))).toBe(true);
  }, 120_000);

  it("ROLE=api serves the API without running tasks; ROLE=worker runs them", async () => {
    const { task } = await stores.tasks.create({
      type: "k8s.restart",
      entityId: "prod/web",
      payload: { namespace: "prod", name: "web" },
      requestedBy: "tester",
      source: "api",
    });
    const api = await startAppProcess({ DATA_DIR: dataDir, ROLE: "api", DEMO_STEP_DELAY_MS: "20" });
    try {
      const health = await (await fetch(`${api.url}/api/health`)).json();
      expect(health).toMatchObject({ role: "api", db: "sqlite" });
      await new Promise((r) => setTimeout(r, 1500));
      expect((await stores.tasks.get(task.id))?.status).toBe("queued");
    } finally {
      api.child.kill("SIGTERM");
      expect(await api.exited).toBe(0);
    }
    const worker = await startAppProcess({ DATA_DIR: dataDir, ROLE: "worker", DEMO_STEP_DELAY_MS: "20" });
    try {
      expect((await fetch(`${worker.url}/api/health`)).status).toBe(404);
      const done = await waitFor(async () => {
        const t = await stores.tasks.get(task.id);
        return t?.status === "succeeded" ? t : null;
      }, 60_000);
      expect(done.status).toBe("succeeded");
    } finally {
      worker.child.kill("SIGTERM");
      expect(await worker.exited).toBe(0);
    }
  }, 240_000);
});
