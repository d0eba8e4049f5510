import { afterAll, describe, expect, it } from "vitest";
import { createTestEngine, type TestEngine } from "../support/engine-harness";

describe("sandbox expiry across a restart", () => {
  let t: TestEngine | null = null;
  afterAll(async () => t?.destroy());

  it("expires a sandbox whose time came while no worker ran, as soon as a worker starts", async () => {
    t = await createTestEngine();
    const project = await t.stores.projects.create({ name: "shop" });
    // Expired an hour ago, while no worker was running.
    const env = await t.stores.environments.create(project.id, {
      name: "sbx-overdue",
      type: "sandbox",
      ttlMinutes: 30,
      expiresAt: new Date(Date.now() - 3_600_000),
    });
    expect((await t.stores.tasks.list({ entityId: env.id })).items).toEqual([]);

    await t.engine.startWorker();

    // The sandbox is marked expired by a step of the task, which then commits its own finish: wait
    // for both (between the two commits a reader sees an expired sandbox and a running task).
    const deadline = Date.now() + 15_000;
    const settled = async () =>
      (await t?.stores.environments.get(env.id))?.status === "expired" &&
      (await t?.stores.tasks.list({ entityId: env.id }))?.items.every((task) => task.status !== "running");
    while (!(await settled())) {
      if (Date.now() > deadline) throw new Error("the overdue sandbox was not expired after start");
      await new Promise((r) => setTimeout(r, 25));
    }
    const tasks = await t.stores.tasks.list({ entityId: env.id });
    expect(tasks.items.map((task) => [task.type, task.status, task.source])).toEqual([
      ["sandbox.expire", "succeeded", "system"],
    ]);
  });
});
