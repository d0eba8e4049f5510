import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createKubernetesClusters, loadKubeConfig } from "../../worker/adapters/kubernetes/clusters";
import type { MemoryCluster } from "../../worker/adapters/kubernetes/memory-cluster";
import { createSimulatedKubernetes } from "../../worker/adapters/kubernetes/simulator";
import type {
  KubeObject,
  KubernetesAdapter,
  RolloutStatus,
  WorkloadRef,
} from "../../worker/adapters/kubernetes/types";
import { AbortedError, PermanentError, TransientError } from "../../worker/runner/errors";
import {
  clustersFor,
  type KubeApiServer,
  startKubeApiServer,
  startSeededKubeApiServer,
} from "../doubles/kube-api-server";

// One contract for every Kubernetes adapter: the real one (client-node, through a kubeconfig file,
// against the API server double on loopback) and the demo simulator.

interface Target {
  adapter: KubernetesAdapter;
  cluster: MemoryCluster;
  close(): Promise<void>;
}

const TICK_MS = 15;

async function realTarget(): Promise<Target & { server: KubeApiServer }> {
  const server = await startSeededKubeApiServer(TICK_MS);
  const adapter = (await clustersFor(server, TICK_MS, 1500)).forEnvironment(null);
  return { adapter, cluster: server.cluster, server, close: () => server.close() };
}

async function simulatorTarget(): Promise<Target> {
  const adapter = createSimulatedKubernetes({ tickMs: TICK_MS });
  return { adapter, cluster: adapter.cluster, close: async () => adapter.cluster.stop() };
}

const signal = () => new AbortController().signal;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

async function until(adapter: KubernetesAdapter, ref: WorkloadRef, done: (s: RolloutStatus) => boolean) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = await adapter.rolloutStatus(ref, signal());
    if (done(status)) return status;
    if (Date.now() > deadline) throw new Error(`rollout stuck at: ${status.message}`);
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
}

function webApp(namespace: string, name: string, replicas: number): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: "nginx:1.27" }] },
      },
    },
  };
}

describe.each([
  ["API server double through @kubernetes/client-node", realTarget],
  ["demo simulator", simulatorTarget],
])("Kubernetes adapter contract: %s", (_label, make) => {
  let t: Target;
  beforeAll(async () => {
    t = await make();
  });
  afterAll(async () => t?.close());

  it("finds a Deployment, else a StatefulSet, else a DaemonSet of the name", async () => {
    await expect(t.adapter.findWorkload("prod", "api", signal())).resolves.toMatchObject({
      kind: "Deployment",
      replicas: 3,
    });
    await expect(t.adapter.findWorkload("prod", "postgres", signal())).resolves.toMatchObject({
      kind: "StatefulSet",
      replicas: 1,
    });
    await expect(t.adapter.findWorkload("prod", "log-agent", signal())).resolves.toMatchObject({
      kind: "DaemonSet",
      replicas: 3,
    });
  });

  it("answers an unknown workload with a permanent workload_not_found naming what it looked for", async () => {
    const error = await rejection(t.adapter.findWorkload("prod", "nope", signal()));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: "workload_not_found" });
    expect((error as Error).message).toMatch(
      /Deployment, StatefulSet or DaemonSet named "nope" in namespace "prod"/,
    );
    const restart = await rejection(
      t.adapter.restartWorkload(
        { kind: "Deployment", namespace: "prod", name: "nope" },
        "2026-01-01T00:00:00Z",
        signal(),
      ),
    );
    expect(restart).toMatchObject({ code: "workload_not_found" });
  });

  it("restarts by patching the pod template's restartedAt annotation and rolls out to completion", async () => {
    const ref: WorkloadRef = { kind: "Deployment", namespace: "prod", name: "web" };
    const before = await t.adapter.findWorkload("prod", "web", signal());
    t.cluster.setBehaviour("prod", "web", "stuck");
    const { generation } = await t.adapter.restartWorkload(ref, "2026-12-02T10:00:00Z", signal());
    expect(generation).toBe(before.generation + 1);
    const live = await t.adapter.read({ apiVersion: "apps/v1", ...ref }, signal());
    expect(live?.spec).toMatchObject({
      template: {
        metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": "2026-12-02T10:00:00Z" } },
      },
    });
    const waiting = await until(t.adapter, ref, (s) => s.message.includes("replicas updated"));
    expect(waiting).toMatchObject({ done: false, desired: 3, updated: 0 });
    t.cluster.setBehaviour("prod", "web", "normal");
    const done = await until(t.adapter, ref, (s) => s.done);
    expect(done).toMatchObject({ desired: 3, updated: 3, available: 3 });
  });

  it("rolls out StatefulSets and DaemonSets too", async () => {
    for (const [kind, name] of [
      ["StatefulSet", "postgres"],
      ["DaemonSet", "log-agent"],
    ] as const) {
      const ref: WorkloadRef = { kind, namespace: "prod", name };
      await t.adapter.restartWorkload(ref, "2026-12-02T11:00:00Z", signal());
      await expect(until(t.adapter, ref, (s) => s.done)).resolves.toMatchObject({ done: true });
    }
  });

  it("reports a progress deadline as a failed rollout with the condition's message", async () => {
    const ref: WorkloadRef = { kind: "Deployment", namespace: "prod", name: "worker" };
    t.cluster.setBehaviour("prod", "worker", "progress-deadline");
    await t.adapter.restartWorkload(ref, "2026-12-02T12:00:00Z", signal());
    const failed = await until(t.adapter, ref, (s) => Boolean(s.failure));
    expect(failed.failure).toMatch(
      /deployment "worker" exceeded its progress deadline: ReplicaSet .* has timed out progressing/,
    );
    t.cluster.setBehaviour("prod", "worker", "normal");
  });

  it("dry-runs a server-side apply without storing anything, then applies it", async () => {
    const object = webApp("staging", "shopfront", 2);
    const ref = { apiVersion: "apps/v1", kind: "Deployment", namespace: "staging", name: "shopfront" };
    const dry = await t.adapter.apply(object, { dryRun: true }, signal());
    expect(dry.spec).toMatchObject({ replicas: 2 });
    expect(await t.adapter.read(ref, signal())).toBeNull();
    const applied = await t.adapter.apply(object, { dryRun: false }, signal());
    expect(applied.metadata.managedFields).toEqual(
      expect.arrayContaining([expect.objectContaining({ manager: "cloudops" })]),
    );
    const again = await t.adapter.apply(object, { dryRun: false }, signal());
    expect(again.metadata.resourceVersion).toBe(applied.metadata.resourceVersion);
    await expect(
      until(t.adapter, { kind: "Deployment", namespace: "staging", name: "shopfront" }, (s) => s.done),
    ).resolves.toMatchObject({
      available: 2,
    });
  });

  it("refuses to take over a field another manager owns, naming that manager", async () => {
    const error = await rejection(t.adapter.apply(webApp("prod", "api", 5), { dryRun: true }, signal()));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: "field_manager_conflict" });
    expect((error as Error).message).toMatch(/"kubectl-client-side-apply"/);
    expect((error as Error).message).toMatch(/\.spec\.replicas/);
  });

  it("refuses to apply into a namespace that does not exist", async () => {
    const error = await rejection(t.adapter.apply(webApp("ghost", "x", 1), { dryRun: true }, signal()));
    expect(error).toMatchObject({ code: "kube_not_found" });
    expect((error as Error).message).toMatch(/namespaces "ghost" not found/);
  });

  it("creates a labelled namespace, refuses a second one of the name, and deletes it until it is gone", async () => {
    const name = `sbx-contract-${Math.random().toString(36).slice(2, 8)}`;
    await t.adapter.createNamespace(name, { "cloudops.io/project": "shop" }, signal());
    const ns = await t.adapter.read({ apiVersion: "v1", kind: "Namespace", name }, signal());
    expect(ns?.metadata.labels).toEqual({ "cloudops.io/project": "shop" });
    expect(await t.adapter.namespacePhase(name, signal())).toBe("Active");
    await expect(t.adapter.createNamespace(name, {}, signal())).rejects.toMatchObject({
      code: "kube_already_exists",
    });
    await t.adapter.deleteNamespace(name, signal());
    const deadline = Date.now() + 20_000;
    while ((await t.adapter.namespacePhase(name, signal())) !== null) {
      if (Date.now() > deadline) throw new Error("namespace never went away");
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
    await expect(t.adapter.deleteNamespace(name, signal())).resolves.toBeUndefined();
  });

  it("stops at once when the task's signal is aborted", async () => {
    const controller = new AbortController();
    controller.abort("cancelled");
    const error = await rejection(t.adapter.findWorkload("prod", "api", controller.signal));
    expect(error).toBeInstanceOf(AbortedError);
  });
});

describe("Kubernetes adapter on the API server double: the wire and the refusals", () => {
  let t: Awaited<ReturnType<typeof realTarget>>;
  beforeAll(async () => {
    t = await realTarget();
  });
  afterAll(async () => t?.close());
  beforeEach(() => t.server.reset());

  it("sends the restart as a strategic merge patch and the apply as an apply patch with field manager cloudops", async () => {
    await t.adapter.restartWorkload(
      { kind: "Deployment", namespace: "prod", name: "api" },
      "2026-12-02T13:00:00Z",
      signal(),
    );
    await t.adapter.apply(webApp("staging", "wire", 1), { dryRun: true }, signal());
    const patches = t.server.seen.filter((r) => r.method === "PATCH");
    expect(patches[0]).toMatchObject({
      path: "/apis/apps/v1/namespaces/prod/deployments/api",
      contentType: "application/strategic-merge-patch+json",
      body: {
        spec: {
          template: {
            metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": "2026-12-02T13:00:00Z" } },
          },
        },
      },
    });
    expect(patches[1]).toMatchObject({
      path: "/apis/apps/v1/namespaces/staging/deployments/wire",
      contentType: "application/apply-patch+yaml",
      query: { dryRun: "All", fieldManager: "cloudops", force: "false" },
    });
  });

  it("turns 403 into a permanent forbidden error naming the verb and the resource", async () => {
    t.server.forbid("patch", "deployments");
    const error = await rejection(
      t.adapter.restartWorkload(
        { kind: "Deployment", namespace: "prod", name: "api" },
        "2026-12-02T14:00:00Z",
        signal(),
      ),
    );
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: "forbidden" });
    expect((error as Error).message).toMatch(/may not patch deployments\.apps in namespace prod/);
    expect((error as Error).message).toMatch(/cannot patch resource "deployments"/);
  });

  it("turns a resourceVersion conflict, 5xx and a dropped connection into transient errors", async () => {
    t.server.inject({
      code: 409,
      reason: "Conflict",
      message:
        'Operation cannot be fulfilled on deployments.apps "api": the object has been modified; please apply your changes to the latest version and try again',
    });
    const conflict = await rejection(t.adapter.findWorkload("prod", "api", signal()));
    expect(conflict).toBeInstanceOf(TransientError);
    expect(conflict).toMatchObject({ code: "kube_conflict" });

    t.server.inject({ code: 503, reason: "ServiceUnavailable" });
    await expect(t.adapter.findWorkload("prod", "api", signal())).rejects.toMatchObject({
      code: "kube_unavailable",
    });

    t.server.inject("drop");
    const dropped = await rejection(t.adapter.findWorkload("prod", "api", signal()));
    expect(dropped).toBeInstanceOf(TransientError);
    expect(dropped).toMatchObject({ code: "kube_unreachable" });
  });

  it("gives up on a request that gets no answer (transient)", async () => {
    t.server.inject("hang");
    const timedOut = await rejection(t.adapter.findWorkload("prod", "api", signal()));
    expect(timedOut).toBeInstanceOf(TransientError);
    expect(timedOut).toMatchObject({ code: "kube_unreachable" });
  });

  it("aborts a request in flight when the task is cancelled, not at its timeout", async () => {
    // A request timeout past the test's own: only the task's signal on the request can end it in time.
    const patient = (await clustersFor(t.server, TICK_MS, 120_000)).forEnvironment(null);
    t.server.seen.length = 0;
    t.server.inject("hang");
    const controller = new AbortController();
    const pending = rejection(patient.findWorkload("prod", "api", controller.signal));
    while (!t.server.seen.some((r) => r.path.endsWith("/deployments/api") && r.method === "GET"))
      await new Promise((r) => setTimeout(r, 5));
    controller.abort("cancelled");
    expect(await pending).toBeInstanceOf(AbortedError);
  });

  it("rejects wrong credentials as a permanent forbidden error", async () => {
    const other = await startKubeApiServer({ token: "another-token" });
    try {
      // The double's kubeconfig (token double-token) aimed at a server that expects another token.
      const path = `${t.server.kubeconfigPath}.other`;
      writeFileSync(path, readFileSync(t.server.kubeconfigPath, "utf8").replace(t.server.url, other.url));
      const wrong = (
        await createKubernetesClusters({
          demoMode: false,
          kubeconfig: path,
          context: undefined,
          inCluster: false,
          simulatedTickMs: 1,
        })
      ).forEnvironment(null);
      const error = await rejection(wrong.findWorkload("prod", "api", signal()));
      expect(error).toMatchObject({ code: "forbidden" });
      expect((error as Error).message).toMatch(/401 Unauthorized/);
    } finally {
      await other.close();
    }
  });

  it("refuses at start-up a KUBECONFIG that cannot be read", async () => {
    await expect(
      loadKubeConfig({
        demoMode: false,
        kubeconfig: "/nonexistent/kubeconfig",
        context: undefined,
        inCluster: false,
        simulatedTickMs: 1,
      }),
    ).rejects.toThrow(
      /^Invalid configuration: KUBECONFIG must be a readable kubeconfig file \(got "\/nonexistent\/kubeconfig"/,
    );
  });

  it("refuses at start-up a KUBE_CONTEXT the kubeconfig does not have", async () => {
    await expect(
      loadKubeConfig({
        demoMode: false,
        kubeconfig: t.server.kubeconfigPath,
        context: "nowhere",
        inCluster: false,
        simulatedTickMs: 1,
      }),
    ).rejects.toThrow(
      /KUBE_CONTEXT nowhere is not a context of the kubeconfig \(contexts: double, elsewhere\)/,
    );
  });

  it("fails tasks with no_cluster_configured in production when no cluster is configured", async () => {
    const clusters = await createKubernetesClusters({
      demoMode: false,
      kubeconfig: undefined,
      context: undefined,
      inCluster: false,
      simulatedTickMs: 1,
    });
    expect(() => clusters.forEnvironment(null)).toThrow(
      expect.objectContaining({ code: "no_cluster_configured" }),
    );
  });
});
