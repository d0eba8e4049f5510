import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resourceByKind, workloadResource } from "../../worker/adapters/kubernetes/resources";
import type { KubeApiServer } from "../doubles/kube-api-server";
import type { TestEngine } from "../support/engine-harness";
import { startEngineOnKubeDouble } from "../support/kube-engine";

// Sandboxes end to end on the Kubernetes API server double: a labelled namespace with the default
// template in it; expiry deletes the namespace and waits until it is gone.

const TICK_MS = 20;

describe("sandboxes against a Kubernetes API server (double)", () => {
  let server: KubeApiServer;
  let t: TestEngine;

  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ server, t, close } = await startEngineOnKubeDouble(TICK_MS));
  });
  afterAll(async () => close?.());

  /** Submits sandbox.create for `project` as alice and waits until it ends. */
  async function createSandbox(projectId: string, environmentId: string, name: string) {
    const { task } = await t.engine.tasks.submit({
      type: "sandbox.create",
      entityId: environmentId,
      payload: { projectId, ttlMinutes: 30, environmentId, name },
      requestedBy: "alice@contoso.com",
      source: "api",
      projectId,
    });
    return t.waitForStatus(task.id, ["succeeded", "failed"], 30_000);
  }

  it("creates sbx-<project>-<id> labelled with project, owner and expiry, deploys into it, and deletes it on expiry", async () => {
    const project = await t.stores.projects.create({ name: "shop" });
    const environmentId = "env_0000000000sandboxk8s0abc1";
    const created = await createSandbox(project.id, environmentId, "feature-x");
    expect(created.status).toBe("succeeded");
    const env = await t.stores.environments.get(environmentId);
    expect(env).toMatchObject({ type: "sandbox", status: "active", namespace: "sbx-shop-s0abc1" });
    const namespaces = resourceByKind("Namespace");
    if (!namespaces) throw new Error("no namespace resource");
    const ns = server.cluster.get(namespaces, undefined, "sbx-shop-s0abc1");
    expect(ns.metadata.labels).toMatchObject({
      "cloudops.io/project": "shop",
      "cloudops.io/owner": "alice-contoso.com",
      "cloudops.io/expires-at": String(Math.floor((env?.expiresAt?.getTime() ?? 0) / 1000)),
    });
    const app = server.cluster.get(workloadResource("Deployment"), "sbx-shop-s0abc1", "shop");
    expect(app.status).toMatchObject({ availableReplicas: 1 });
    // The project names no template: web-app, a Deployment with a Service in front of it.
    expect(app.metadata.labels).toMatchObject({ "cloudops.io/template": "web-app" });
    const services = resourceByKind("Service");
    if (!services) throw new Error("no service resource");
    expect(server.cluster.get(services, "sbx-shop-s0abc1", "shop").kind).toBe("Service");

    await t.stores.environments.update(environmentId, { expiresAt: new Date(Date.now() - 1000) });
    expect(await t.engine.expiry.runDue()).toBe(1);
    const expiry = (await t.stores.tasks.list({ entityId: environmentId, type: "sandbox.expire" })).items[0];
    const expired = await t.waitForStatus(expiry?.id ?? "", ["succeeded", "failed"], 30_000);
    expect(expired.status).toBe("succeeded");
    expect(() => server.cluster.get(namespaces, undefined, "sbx-shop-s0abc1")).toThrow(/not found/);
    expect(
      server.seen.some((r) => r.method === "DELETE" && r.path === "/api/v1/namespaces/sbx-shop-s0abc1"),
    ).toBe(true);
    expect((await t.stores.environments.get(environmentId))?.status).toBe("expired");
    const logs = (await t.stores.taskEvents.logs(expired.id)).map((l) => l.message);
    expect(logs).toContain("Namespace sbx-shop-s0abc1 is gone");
  });

  it("deploys the project's default template into a new sandbox", async () => {
    const project = await t.stores.projects.create({ name: "jobs", defaultTemplate: "worker" });
    const environmentId = "env_0000000000sandboxk8s0wrk2";
    const created = await createSandbox(project.id, environmentId, "nightly");
    expect(created).toMatchObject({
      status: "succeeded",
      result: expect.objectContaining({ template: "worker" }),
    });
    const app = server.cluster.get(workloadResource("Deployment"), "sbx-jobs-s0wrk2", "jobs");
    expect(app.metadata.labels).toMatchObject({ "cloudops.io/template": "worker" });
    const image = JSON.stringify(app.spec);
    expect(image).toContain("ghcr.io/cloudops-demo/worker:1.0.0");
    // The worker template serves no traffic: no Service.
    const services = resourceByKind("Service");
    if (!services) throw new Error("no service resource");
    expect(() => server.cluster.get(services, "sbx-jobs-s0wrk2", "jobs")).toThrow(/not found/);
    const logs = (await t.stores.taskEvents.logs(created.id)).map((l) => l.message);
    expect(logs).toContain("Deploying the project's default template worker into the sandbox");
  });
});
