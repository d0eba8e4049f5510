import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { workloadResource } from "../../worker/adapters/kubernetes/resources";
import type { KubeApiServer } from "../doubles/kube-api-server";
import type { TestEngine } from "../support/engine-harness";
import { startEngineOnKubeDouble } from "../support/kube-engine";

// Deploy end to end: validate (dry run), plan (diff + sha256), apply (server-side apply, drift check,
// rollout wait) through client-node against the Kubernetes API server double.

const TICK_MS = 20;
const DEPLOYMENTS = workloadResource("Deployment");

describe("deploy against a Kubernetes API server (double)", () => {
  let server: KubeApiServer;
  let t: TestEngine;
  let projectId: string;

  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ server, t, close } = await startEngineOnKubeDouble(TICK_MS));
    projectId = (await t.stores.projects.create({ name: "shop" })).id;
  });
  afterAll(async () => close?.());
  beforeEach(() => server.reset());

  const environment = async (name: string, namespace?: string) =>
    (await t.stores.environments.create(projectId, { name, type: "dev", namespace: namespace ?? null })).id;

  async function deploy(envId: string, params: Record<string, unknown>) {
    const { task } = await t.engine.tasks.submit({
      type: "deploy",
      entityId: envId,
      payload: { projectId, envId, templateId: "web-app", params },
      requestedBy: "tester",
      source: "api",
      projectId,
    });
    return t.waitForStatus(task.id, ["succeeded", "failed"], 30_000);
  }
  const logsOf = async (id: string) => (await t.stores.taskEvents.logs(id)).map((l) => l.message);

  it("creates the namespace, applies a Deployment and a Service with field manager cloudops, and waits for the rollout", async () => {
    const envId = await environment("review");
    const done = await deploy(envId, {
      image: "shop/web:1.4.2",
      replicas: 2,
      port: 8080,
      "env.MODE": "review",
    });
    expect(done.status).toBe("succeeded");
    const deployment = server.cluster.get(DEPLOYMENTS, "shop-review", "shop");
    expect(deployment.spec).toMatchObject({
      replicas: 2,
      template: {
        spec: {
          containers: [
            {
              image: "shop/web:1.4.2",
              ports: [{ containerPort: 8080 }],
              env: [{ name: "MODE", value: "review" }],
              resources: { requests: { cpu: "100m", memory: "128Mi" } },
            },
          ],
        },
      },
    });
    expect(deployment.status).toMatchObject({ updatedReplicas: 2, availableReplicas: 2 });
    expect(deployment.metadata.managedFields).toEqual(
      expect.arrayContaining([expect.objectContaining({ manager: "cloudops" })]),
    );
    const applies = server.seen.filter((r) => r.contentType === "application/apply-patch+yaml");
    expect(applies.every((r) => r.query.fieldManager === "cloudops")).toBe(true);
    const logs = await logsOf(done.id);
    expect(logs).toContain("+ Namespace shop-review: new");
    expect(
      logs.some((l) => /^Plan: 3 to add, 0 to change, 0 unchanged \(sha256 [0-9a-f]{64}\)$/.test(l)),
    ).toBe(true);
  });

  it("dry-runs in validate, plans the field-level difference, and stores the plan with its sha256", async () => {
    const envId = await environment("stage", "stage-ns");
    expect((await deploy(envId, { replicas: 2 })).status).toBe("succeeded");
    server.reset();
    const second = await deploy(envId, { replicas: 3 });
    expect(second.status).toBe("succeeded");
    const dryRuns = server.seen.filter((r) => r.query.dryRun === "All");
    expect(dryRuns.length).toBeGreaterThanOrEqual(4); // validate and plan, Deployment and Service each
    const logs = await logsOf(second.id);
    expect(logs).toContain("~ Deployment stage-ns/shop: spec.replicas 2 -> 3");
    expect(logs).toContain("= Service stage-ns/shop: no changes");
    const [artifact] = await t.stores.artifacts.listForTask(second.id);
    expect(artifact?.sha256).toMatch(/^[0-9a-f]{64}$/);
    const plan = JSON.parse(readFileSync(join(t.dataDir, artifact?.path ?? ""), "utf8"));
    expect(plan.diff[0]).toMatchObject({
      action: "update",
      changed: [{ path: "spec.replicas", from: 2, to: 3 }],
    });
    expect(second.result).toMatchObject({
      plan: { add: 0, change: 1, unchanged: 1 },
      planSha256: artifact?.sha256,
    });
  });

  it("refuses to apply when a live object changed after the plan, and asks for a new plan", async () => {
    const envId = await environment("drift", "drift-ns");
    expect((await deploy(envId, { replicas: 1 })).status).toBe("succeeded");
    server.reset();
    let dryRuns = 0;
    server.afterEachRequest((r) => {
      // The plan's dry run of the Service is the 4th dry run (validate 2, plan 2): then someone scales by hand.
      if (r.query.dryRun === "All" && ++dryRuns === 4) {
        server.cluster.strategicMerge(
          DEPLOYMENTS,
          "drift-ns",
          "shop",
          { spec: { replicas: 5 } },
          {
            dryRun: false,
            fieldManager: "kubectl-edit",
          },
        );
      }
    });
    const done = await deploy(envId, { replicas: 2 });
    expect(done).toMatchObject({ status: "failed", attempts: 1 });
    expect(done.error).toMatchObject({ code: "drift_detected" });
    expect(done.error?.message).toMatch(/Deployment drift-ns\/shop changed since the plan/);
    expect(done.error?.hint).toMatch(/new plan/);
  });

  it("fails permanently on a field another manager owns, naming that manager", async () => {
    // prod/shop was created by kubectl apply: its fields (replicas, image...) belong to kubectl-client-side-apply.
    server.cluster.seedWorkload("Deployment", "prod", "shop", 4);
    const envId = await environment("legacy", "prod");
    const { task } = await t.engine.tasks.submit({
      type: "deploy",
      entityId: envId,
      payload: { projectId, envId, templateId: "worker", params: {} },
      requestedBy: "tester",
      source: "api",
      projectId,
    });
    const done = await t.waitForStatus(task.id, ["succeeded", "failed"], 30_000);
    expect(done).toMatchObject({ status: "failed", attempts: 1 });
    expect(done.error).toMatchObject({ code: "field_manager_conflict" });
    expect(done.error?.message).toMatch(/"kubectl-client-side-apply"/);
  });

  it("refuses bad params before touching the cluster", async () => {
    const envId = await environment("bad");
    const done = await deploy(envId, { replicas: 2, colour: "blue" });
    expect(done.error).toMatchObject({ code: "invalid_params" });
    expect(done.error?.message).toContain("colour: not a parameter of the template");
    expect(server.seen.filter((r) => r.method === "PATCH")).toEqual([]);
  });
});
