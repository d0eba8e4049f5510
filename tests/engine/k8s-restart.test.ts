import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createKubernetesClusters } from "../../worker/adapters/kubernetes/clusters";
import type { KubeApiServer } from "../doubles/kube-api-server";
import { createTestEngine, type TestEngine } from "../support/engine-harness";
import { startEngineOnKubeDouble } from "../support/kube-engine";

// The restart task end to end: task engine -> handler -> client-node -> Kubernetes API server double.

const TICK_MS = 20;

const restartOf = (t: TestEngine, namespace: string, name: string) =>
  t.engine.tasks.submit({
    type: "k8s.restart",
    entityId: `${namespace}/${name}`,
    payload: { namespace, name },
    requestedBy: "tester",
    source: "api",
  });

describe("k8s.restart against a Kubernetes API server (double) through KUBECONFIG", () => {
  let server: KubeApiServer;
  let t: TestEngine;

  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ server, t, close } = await startEngineOnKubeDouble(TICK_MS));
  });
  afterAll(async () => close?.());
  beforeEach(() => server.reset());

  const restart = (namespace: string, name: string) => restartOf(t, namespace, name);
  const logsOf = async (id: string) => (await t.stores.taskEvents.logs(id)).map((l) => l.message);

  it("patches the workload, follows the rollout replica by replica, and succeeds when it is complete", async () => {
    const { task } = await restart("prod", "api");
    const done = await t.waitForStatus(task.id, ["succeeded", "failed"], 30_000);
    expect(done.status).toBe("succeeded");
    expect(done.result).toMatchObject({ cluster: "kubernetes", kind: "Deployment", replicas: 3 });
    const patch = server.seen.find((r) => r.method === "PATCH");
    expect(patch).toMatchObject({
      path: "/apis/apps/v1/namespaces/prod/deployments/api",
      contentType: "application/strategic-merge-patch+json",
    });
    const logs = await logsOf(task.id);
    expect(logs.some((l) => /^[0-2]\/3 replicas updated/.test(l))).toBe(true);
    expect(logs).toContain("All 3 replica(s) of prod/api are updated and available");
    expect(logs.join("\n")).not.toContain("simulated");
    const live = server.cluster.get(
      { group: "apps", version: "v1", plural: "deployments", kind: "Deployment", namespaced: true },
      "prod",
      "api",
    );
    expect(live.status).toMatchObject({ updatedReplicas: 3, availableReplicas: 3, replicas: 3 });
  });

  it("restarts a StatefulSet when no Deployment has the name", async () => {
    const { task } = await restart("prod", "postgres");
    const done = await t.waitForStatus(task.id, ["succeeded", "failed"], 30_000);
    expect(done).toMatchObject({
      status: "succeeded",
      result: expect.objectContaining({ kind: "StatefulSet" }),
    });
  });

  it("fails an unknown workload at once with workload_not_found", async () => {
    const { task } = await restart("prod", "ghost");
    const done = await t.waitForStatus(task.id, ["succeeded", "failed"], 30_000);
    expect(done).toMatchObject({ status: "failed", attempts: 1 });
    expect(done.error).toMatchObject({ code: "workload_not_found" });
    expect(done.error?.message).toContain('named "ghost" in namespace "prod"');
  });

  it("fails at once with forbidden when the service account may not patch, saying which verb on what", async () => {
    server.forbid("patch", "deployments");
    const { task } = await restart("prod", "web");
    const done = await t.waitForStatus(task.id, ["succeeded", "failed"], 30_000);
    expect(done).toMatchObject({ status: "failed", attempts: 1 });
    expect(done.error).toMatchObject({ code: "forbidden" });
    expect(done.error?.message).toMatch(/may not patch deployments\.apps in namespace prod/);
    expect(done.error?.hint).toMatch(/RBAC|kubernetes-rbac/);
  });

  it("retries an API server that answered 503 and then succeeds", async () => {
    server.inject({ code: 503, reason: "ServiceUnavailable" });
    const { task } = await restart("prod", "worker");
    const done = await t.waitForStatus(task.id, ["succeeded", "failed"], 30_000);
    expect(done).toMatchObject({ status: "succeeded", attempts: 2 });
    expect((await logsOf(task.id)).some((l) => /Attempt 1 of 3 failed: .*503/.test(l))).toBe(true);
  });

  it("does not patch twice when the restart step is redelivered after the patch landed", async () => {
    // The patch is stored, then the answer is lost (a 500 instead): as if the worker crashed after the
    // patch and before the step was recorded. The next attempt must wait for that rollout, not start another.
    let lost = false;
    server.afterEachRequest((request) => {
      if (request.method === "PATCH" && !lost) {
        lost = true;
        throw new Error("answer lost after the patch was stored");
      }
    });
    const { task } = await restart("prod", "web");
    const done = await t.waitForStatus(task.id, ["succeeded", "failed"], 30_000);
    expect(done).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(server.seen.filter((r) => r.method === "PATCH")).toHaveLength(1);
    const logs = await logsOf(task.id);
    expect(logs.some((l) => /already requested by an earlier attempt/.test(l))).toBe(true);
    const live = server.cluster.get(
      { group: "apps", version: "v1", plural: "deployments", kind: "Deployment", namespaced: true },
      "prod",
      "web",
    );
    const annotations = (live.spec as { template: { metadata: { annotations: Record<string, string> } } })
      .template.metadata.annotations;
    expect(annotations["kubectl.kubernetes.io/restartedAt"]).toBe(done.result?.restartedAt);
  });

  it("fails permanently with the condition's message when the progress deadline is exceeded", async () => {
    server.cluster.setBehaviour("staging", "api", "progress-deadline");
    const { task } = await restart("staging", "api");
    const done = await t.waitForStatus(task.id, ["succeeded", "failed"], 30_000);
    expect(done).toMatchObject({ status: "failed", attempts: 1 });
    expect(done.error).toMatchObject({ code: "progress_deadline_exceeded" });
    expect(done.error?.message).toMatch(
      /exceeded its progress deadline: ReplicaSet "api-\d+" has timed out progressing/,
    );
  });

  it("stops waiting for a stuck rollout as soon as the task is cancelled", async () => {
    server.cluster.setBehaviour("staging", "web", "stuck");
    const { task } = await restart("staging", "web");
    const deadline = Date.now() + 30_000;
    while (!(await logsOf(task.id)).some((l) => l.includes("replicas updated"))) {
      if (Date.now() > deadline) throw new Error("the wait never started");
      await new Promise((r) => setTimeout(r, 20));
    }
    await t.engine.tasks.cancel(task.id);
    const done = await t.waitForStatus(task.id, ["cancelled", "succeeded", "failed"], 10_000);
    expect(done.status).toBe("cancelled");
    const steps = await t.stores.tasks.steps(task.id);
    expect(steps.map((s) => s.status)).toEqual(["succeeded", "succeeded", "cancelled"]);
  });
});

describe("k8s.restart without a cluster in production", () => {
  let t: TestEngine;
  beforeAll(async () => {
    const kubernetes = await createKubernetesClusters({
      demoMode: false,
      kubeconfig: undefined,
      context: undefined,
      inCluster: false,
      simulatedTickMs: TICK_MS,
    });
    t = await createTestEngine({ engine: { handlerDeps: { kubernetes } } });
    await t.engine.startWorker();
  });
  afterAll(async () => t?.destroy());

  it("fails the task at once with no_cluster_configured instead of pretending", async () => {
    const { task } = await restartOf(t, "prod", "api");
    const done = await t.waitForStatus(task.id, ["succeeded", "failed"]);
    expect(done).toMatchObject({ status: "failed", attempts: 1 });
    expect(done.error).toMatchObject({ code: "no_cluster_configured" });
    expect(done.error?.hint).toMatch(/KUBECONFIG/);
  });
});

describe("k8s.restart on the demo simulator", () => {
  let t: TestEngine;
  beforeAll(async () => {
    t = await createTestEngine();
    await t.engine.startWorker();
  });
  afterAll(async () => t?.destroy());

  it("answers an unknown workload with workload_not_found, and says simulated cluster in the log and error", async () => {
    const { task } = await restartOf(t, "prod", "nope");
    const done = await t.waitForStatus(task.id, ["succeeded", "failed"]);
    expect(done).toMatchObject({
      status: "failed",
      result: expect.objectContaining({ cluster: "simulated" }),
    });
    expect(done.error).toMatchObject({ code: "workload_not_found" });
    expect(done.error?.message).toMatch(/^\[simulated cluster\] /);
    const logs = (await t.stores.taskEvents.logs(task.id)).map((l) => l.message);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.filter((m) => !m.includes("simulated cluster"))).toEqual([]);
  });
});
