import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadAllYaml } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeApiServer } from "../doubles/kube-api-server";
import type { TestEngine } from "../support/engine-harness";
import { startEngineOnKubeDouble } from "../support/kube-engine";

// deploy/kubernetes-rbac.yaml must grant every verb the worker uses: run each operation against the
// API server double, turn each request into (verb, group, resource) as the API server's authorizer
// does, and look the pair up in the ClusterRole.

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const manifest = readFileSync(join(import.meta.dirname, "../../deploy/kubernetes-rbac.yaml"), "utf8");
const clusterRole = (loadAllYaml(manifest) as Array<{ kind: string; rules?: Rule[] }>).find(
  (d) => d.kind === "ClusterRole",
);

function allowed(verb: string, group: string, resource: string): boolean {
  return (clusterRole?.rules ?? []).some(
    (r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb),
  );
}

/** The authorizer's view of a request: verb, API group and resource (discovery is not a resource). */
function attributesOf(method: string, path: string, contentType: string) {
  const m = /^\/(?:api\/v1|apis\/([^/]+)\/v1)(?:\/namespaces\/([^/]+))?(?:\/([^/]+)(?:\/([^/]+))?)?$/.exec(
    path,
  );
  if (!m) return null;
  const [, group = "", namespace, plural, name] = m;
  const resource = plural ?? (namespace ? "namespaces" : null);
  if (!resource) return null;
  const hasName = plural ? name !== undefined : namespace !== undefined;
  const verb = { GET: hasName ? "get" : "list", PATCH: "patch", POST: "create", DELETE: "delete" }[method];
  // A server-side apply may create the object: the API server then also checks `create`.
  const verbs =
    verb === "patch" && contentType === "application/apply-patch+yaml" ? ["patch", "create"] : [verb];
  return { verbs: verbs.filter((v): v is string => v !== undefined), group, resource };
}

describe("the RBAC manifest covers what the worker does", () => {
  let server: KubeApiServer;
  let t: TestEngine;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ server, t, close } = await startEngineOnKubeDouble(10));
  });
  afterAll(async () => close?.());

  it("grants every verb on every resource that restart, deploy and a sandbox's life use", async () => {
    expect(clusterRole).toBeDefined();
    const project = await t.stores.projects.create({ name: "rbac" });
    const env = await t.stores.environments.create(project.id, { name: "dev", type: "dev" });
    const submit = (type: "k8s.restart" | "deploy" | "sandbox.create", entityId: string, payload: object) =>
      t.engine.tasks.submit({ type, entityId, payload: { ...payload }, requestedBy: "t", source: "api" });
    const sandboxId = "env_0000000000sandboxrbac0001";
    const tasks = [
      await submit("k8s.restart", "prod/postgres", { namespace: "prod", name: "postgres" }),
      await submit("k8s.restart", "prod/log-agent", { namespace: "prod", name: "log-agent" }),
      await submit("deploy", env.id, {
        projectId: project.id,
        envId: env.id,
        templateId: "web-app",
        params: {},
      }),
      await submit("sandbox.create", sandboxId, {
        projectId: project.id,
        ttlMinutes: 30,
        environmentId: sandboxId,
        name: "rbac-sbx",
      }),
    ];
    for (const { task } of tasks)
      expect((await t.waitForStatus(task.id, ["succeeded", "failed"], 30_000)).status).toBe("succeeded");
    await t.stores.environments.update(sandboxId, { expiresAt: new Date(Date.now() - 1000) });
    expect(await t.engine.expiry.runDue()).toBe(1);
    const expiry = (await t.stores.tasks.list({ entityId: sandboxId, type: "sandbox.expire" })).items[0];
    expect((await t.waitForStatus(expiry?.id ?? "", ["succeeded", "failed"], 30_000)).status).toBe(
      "succeeded",
    );

    const used = new Set<string>();
    for (const r of server.seen) {
      const a = attributesOf(r.method, r.path, r.contentType);
      if (a) for (const verb of a.verbs) used.add(`${verb} ${a.group || "core"}/${a.resource}`);
    }
    // The operations touched all three workload kinds, services and namespaces.
    expect([...used].sort()).toEqual(
      expect.arrayContaining([
        "get apps/daemonsets",
        "patch apps/statefulsets",
        "create apps/deployments",
        "patch core/services",
        "create core/namespaces",
        "delete core/namespaces",
      ]),
    );
    const missing = [...used].filter((u) => {
      const [verb = "", rest = ""] = u.split(" ");
      const [group = "", resource = ""] = rest.split("/");
      return !allowed(verb, group === "core" ? "" : group, resource);
    });
    expect(missing).toEqual([]);
  });
});
