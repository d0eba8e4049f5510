import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEngine, type TestEngine } from "../support/engine-harness";

describe("the five operations in demo form", () => {
  let t: TestEngine;
  let projectId: string;
  let envId: string;

  beforeAll(async () => {
    t = await createTestEngine();
    await t.engine.startWorker();
    const project = await t.stores.projects.create({ name: "shop" });
    projectId = project.id;
    envId = (await t.stores.environments.create(project.id, { name: "prod", type: "prod" })).id;
  });
  afterAll(async () => t?.destroy());

  const submit = (
    type: Parameters<TestEngine["engine"]["tasks"]["submit"]>[0]["type"],
    entityId: string,
    payload: Record<string, unknown>,
  ) => t.engine.tasks.submit({ type, entityId, payload, requestedBy: "tester", source: "api", projectId });

  it("deploys: validate, plan (a plan file with its sha256), apply", async () => {
    const { task } = await submit("deploy", envId, {
      projectId,
      envId,
      templateId: "web-app",
      params: { replicas: 2 },
    });
    // A prod environment: the plan waits for a second person's approval before apply.
    const waiting = await t.waitForStatus(task.id, ["awaiting_approval"]);
    expect(waiting.approval?.planSha256).toBe(waiting.result?.planSha256);
    await t.engine.tasks.approve(task.id, { id: "second-operator" });
    const done = await t.waitForStatus(task.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    const steps = await t.stores.tasks.steps(task.id);
    expect(steps.map((s) => [s.name, s.status, s.percent])).toEqual([
      ["validate", "succeeded", 100],
      ["plan", "succeeded", 100],
      ["apply", "succeeded", 100],
    ]);
    const [plan] = await t.stores.artifacts.listForTask(task.id);
    expect(plan).toMatchObject({ kind: "plan", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(existsSync(join(t.dataDir, plan?.path ?? "missing"))).toBe(true);
  });

  it("backs up to DATA_DIR/backups and restores from that artifact after checking its checksum", async () => {
    const { task: backup } = await submit("db.backup", "azure-postgres/orders", {
      engine: "azure-postgres",
      instanceId: "orders",
    });
    const b = await t.waitForStatus(backup.id, ["succeeded", "failed"]);
    expect(b.status).toBe("succeeded");
    const artifactId = String(b.result?.artifactId);
    const [artifact] = await t.stores.artifacts.listForInstance("azure-postgres", "orders");
    expect(artifact?.id).toBe(artifactId);
    expect(artifact?.path).toMatch(/^backups\/azure-postgres\/orders\//);
    expect(artifact?.size).toBeGreaterThan(0);

    const { task: restore } = await submit("db.restore", "azure-postgres/orders", {
      engine: "azure-postgres",
      instanceId: "orders",
      artifactId,
      target: "orders-copy",
    });
    expect((await t.waitForStatus(restore.id, ["succeeded", "failed"])).status).toBe("succeeded");
  });

  it("refuses a restore from an artifact of another engine without retrying", async () => {
    const { task: backup } = await submit("db.backup", "azure-sql/billing", {
      engine: "azure-sql",
      instanceId: "billing",
    });
    const b = await t.waitForStatus(backup.id, ["succeeded"]);
    const { task } = await submit("db.restore", "azure-postgres/orders", {
      engine: "azure-postgres",
      instanceId: "orders",
      artifactId: String(b.result?.artifactId),
      target: "orders",
    });
    const failed = await t.waitForStatus(task.id, ["failed", "succeeded"]);
    expect(failed.status).toBe("failed");
    expect(failed.attempts).toBe(1);
    expect(failed.error?.code).toBe("artifact_engine_mismatch");
    expect((await t.stores.deadLetters.openForTask(task.id))?.reason).toBe("permanent_error");
  });

  it("restarts a workload on the simulated cluster, saying so in every log line and in the result", async () => {
    const { task } = await submit("k8s.restart", "prod/api", { namespace: "prod", name: "api" });
    const done = await t.waitForStatus(task.id, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    expect(done.result).toMatchObject({ cluster: "simulated", kind: "Deployment", replicas: 3 });
    const messages = (await t.stores.taskEvents.logs(task.id)).map((l) => l.message);
    expect(messages).toContain("[simulated cluster] All 3 replica(s) of prod/api are updated and available");
    expect(messages.filter((m) => !m.includes("simulated cluster"))).toEqual([]);
  });

  it("says simulated cluster in every log line and progress message of a deploy and a sandbox on the simulator", async () => {
    const env = await t.stores.environments.create(projectId, { name: "sim-check", type: "dev" });
    const { task: deploy } = await submit("deploy", env.id, {
      projectId,
      envId: env.id,
      templateId: "web-app",
      params: { replicas: 2 },
    });
    const sandboxId = "env_0000000000sandboxsimtag01";
    const { task: sandbox } = await submit("sandbox.create", sandboxId, {
      projectId,
      ttlMinutes: 30,
      environmentId: sandboxId,
      name: "sim-tag",
    });
    for (const task of [deploy, sandbox]) {
      const done = await t.waitForStatus(task.id, ["succeeded", "failed"], 30_000);
      expect(done, task.type).toMatchObject({
        status: "succeeded",
        result: expect.objectContaining({ cluster: "simulated" }),
      });
      const messages = (await t.stores.taskEvents.logs(task.id)).map((l) => l.message);
      expect(messages.length, task.type).toBeGreaterThan(2);
      expect(
        messages.filter((m) => !m.includes("simulated cluster")),
        task.type,
      ).toEqual([]);
      const events = await t.stores.taskEvents.listForTask(task.id);
      const progress = events.flatMap((e) =>
        e.data.kind === "progress" && e.data.message ? [String(e.data.message)] : [],
      );
      expect(
        progress.filter((m) => !m.includes("simulated cluster")),
        task.type,
      ).toEqual([]);
    }
  });

  it("creates a sandbox that expires on its own", async () => {
    const environmentId = "env_0000000000sandboxtest0001";
    const { task } = await submit("sandbox.create", environmentId, {
      projectId,
      ttlMinutes: 1,
      environmentId,
      name: "sbx-test",
    });
    expect((await t.waitForStatus(task.id, ["succeeded", "failed"])).status).toBe("succeeded");
    const env = await t.stores.environments.get(environmentId);
    expect(env).toMatchObject({ type: "sandbox", status: "active", ttlMinutes: 1 });
    await t.stores.environments.update(environmentId, { expiresAt: new Date(Date.now() - 1000) });
    expect(await t.engine.expiry.runDue()).toBe(1);
    expect(await t.engine.expiry.runDue()).toBe(0);
    const expiry = await t.stores.tasks.list({ entityId: environmentId, type: "sandbox.expire" });
    expect(expiry.items).toHaveLength(1);
    await t.waitForStatus(expiry.items[0]?.id ?? "", ["succeeded"]);
    expect((await t.stores.environments.get(environmentId))?.status).toBe("expired");
  });
});
