import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestOf } from "../../platform/artifacts/artifact-store";
import { createAzureBlobArtifactStore } from "../../platform/artifacts/azure-blob-artifact-store";
import { type Azurite, startAzurite } from "../support/azurite";
import { createTestEngine, type TestEngine } from "../support/engine-harness";
import { uniqueSuffix } from "../support/services";

// Deployment plans go to the same artifact store as backups: with ARTIFACT_STORE=azure-blob the plan
// is a blob (Azurite here), and apply reads it back from there and checks its sha256.
describe("deploy plans on Azure Blob Storage (Azurite)", () => {
  let azurite: Azurite;
  let t: TestEngine;
  const store = () =>
    createAzureBlobArtifactStore({
      connectionString: azurite.connectionString,
      container: `plans-${uniqueSuffix().replace(/_/g, "-")}`.toLowerCase().slice(0, 63),
    });
  let blob: ReturnType<typeof store>;

  beforeAll(async () => {
    azurite = await startAzurite();
    blob = store();
    t = await createTestEngine({ engine: { artifactStore: blob } });
    await t.engine.startWorker();
  }, 60_000);
  afterAll(async () => {
    await t?.destroy();
    await azurite?.stop();
  });

  it("stores the plan as a blob with its sha256, and apply uses it", async () => {
    const project = await t.stores.projects.create({ name: "shop" });
    const env = await t.stores.environments.create(project.id, { name: "dev", type: "dev" });
    const { task } = await t.engine.tasks.submit({
      type: "deploy",
      entityId: env.id,
      payload: { projectId: project.id, envId: env.id, templateId: "web-app", params: { replicas: 2 } },
      requestedBy: "tester",
      source: "api",
      projectId: project.id,
    });
    const done = await t.waitForStatus(task.id, ["succeeded", "failed"], 30_000);
    expect(done.status).toBe("succeeded");
    const [plan] = await t.stores.artifacts.listForTask(task.id);
    if (!plan) throw new Error("no plan artifact");
    expect(plan.kind).toBe("plan");
    expect(await blob.list("artifacts/plans/")).toEqual([plan.path]);
    const stored = await digestOf(await blob.get(plan.path));
    expect(stored).toEqual({ size: plan.size, sha256: plan.sha256 });
    const logs = (await t.stores.taskEvents.logs(task.id)).map((l) => l.message).join("\n");
    expect(logs).toContain(`Applying plan sha256 ${plan.sha256}`);
  });
});
