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

  it("creates sbx-<project>-<id> labelled with project, owner and expiry, deploys into it, and deletes it on expiry", async () => {
    const project = await t.stores.projects.create({ name: "shop" });
    const environmentId = "env_0000000000sandboxk8s0abc1";
    const { task } = await t.engine.tasks.submit({
      type: "sandbox.create",
      entityId: environmentId,
      payload: { projectId: project.id, ttlMinutes: 30, environmentId, name: "feature-x" },
      requestedBy: "alice@contoso.com",
      source: "api",
      projectId: project.id,
    });
    const created = await t.waitForStatus(task.id, ["succeeded", "failed"], 30_000);
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
});
