import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, seedProject, type TestApi } from "../support/api-harness";

type Json = Record<string, unknown>;

describe("projects and environments", () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(async () => api?.close());

  const admin = () => api.as("admin");

  it("creates, reads, renames and deletes a project", async () => {
    const created = await admin()("/api/projects", {
      method: "POST",
      body: { name: "billing", description: "Invoices" },
    });
    expect(created.status).toBe(201);
    const project = (await created.json()) as Json;
    expect(created.headers.get("location")).toBe(`/api/projects/${project.id}`);
    expect(project).toMatchObject({ name: "billing", description: "Invoices" });

    const dup = await admin()("/api/projects", { method: "POST", body: { name: "billing" } });
    expect(dup.status).toBe(409);
    expect(await dup.json()).toMatchObject({ code: "project_name_taken" });

    const renamed = await admin()(`/api/projects/${project.id}`, {
      method: "PATCH",
      body: { name: "invoicing" },
    });
    expect(await renamed.json()).toMatchObject({
      id: project.id,
      name: "invoicing",
      description: "Invoices",
    });
    const list = (await (await api.as("viewer")("/api/projects")).json()) as { items: Json[] };
    expect(list.items.map((p) => p.name)).toContain("invoicing");
    expect((await admin()(`/api/projects/${project.id}`, { method: "PATCH", body: {} })).status).toBe(400);

    expect((await admin()(`/api/projects/${project.id}`, { method: "DELETE" })).status).toBe(204);
    const gone = await api.as("viewer")(`/api/projects/${project.id}`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ code: "project_not_found" });
  });

  it("keeps a project's default template for its sandboxes: web-app unless set, one of the catalogue", async () => {
    const plain = (await (
      await admin()("/api/projects", { method: "POST", body: { name: "tmpl-plain" } })
    ).json()) as Json;
    expect(plain.defaultTemplate).toBe("web-app");
    const created = await admin()("/api/projects", {
      method: "POST",
      body: { name: "tmpl-jobs", defaultTemplate: "worker" },
    });
    expect(created.status).toBe(201);
    const jobs = (await created.json()) as Json;
    expect(jobs.defaultTemplate).toBe("worker");
    const changed = await admin()(`/api/projects/${jobs.id}`, {
      method: "PATCH",
      body: { defaultTemplate: "static-site" },
    });
    expect(await changed.json()).toMatchObject({ name: "tmpl-jobs", defaultTemplate: "static-site" });
    expect(await (await api.as("viewer")(`/api/projects/${jobs.id}`)).json()).toMatchObject({
      defaultTemplate: "static-site",
    });
    // A deployment that names no template gets the project's default.
    const env = (await (
      await admin()(`/api/projects/${jobs.id}/environments`, {
        method: "POST",
        body: { name: "dev", type: "dev" },
      })
    ).json()) as Json;
    const deploy = await api.as("operator")("/api/deployments", {
      method: "POST",
      body: { projectId: jobs.id, envId: env.id },
    });
    expect(deploy.status).toBe(202);
    const { taskId } = (await deploy.json()) as { taskId: string };
    expect(await (await api.as("viewer")(`/api/tasks/${taskId}`)).json()).toMatchObject({
      payload: { templateId: "static-site" },
    });
    const bad = await admin()(`/api/projects/${jobs.id}`, {
      method: "PATCH",
      body: { defaultTemplate: "rm-rf" },
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "validation_failed" });
    expect(await (await api.as("viewer")(`/api/projects/${jobs.id}`)).json()).toMatchObject({
      defaultTemplate: "static-site",
    });
  });

  it("sets, changes and resets an environment's Kubernetes namespace", async () => {
    const { project } = await seedProject(api, "ns-proj");
    const base = `/api/projects/${project.id}/environments`;
    const created = await admin()(base, {
      method: "POST",
      body: { name: "live", type: "prod", namespace: "shop-live" },
    });
    expect(created.status).toBe(201);
    const env = (await created.json()) as Json;
    expect(env.namespace).toBe("shop-live");
    const plain = (await (
      await admin()(base, { method: "POST", body: { name: "qa", type: "stage" } })
    ).json()) as Json;
    expect(plain.namespace).toBeNull();
    const moved = await admin()(`${base}/${env.id}`, { method: "PATCH", body: { namespace: "shop-live-2" } });
    expect(await moved.json()).toMatchObject({ name: "live", namespace: "shop-live-2" });
    const reset = await admin()(`${base}/${env.id}`, { method: "PATCH", body: { namespace: null } });
    expect(await reset.json()).toMatchObject({ namespace: null });
    const bad = await admin()(`${base}/${env.id}`, { method: "PATCH", body: { namespace: "Shop_Live" } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "validation_failed" });
  });

  it("manages a project's environments and keeps them inside their project", async () => {
    const { project, env } = await seedProject(api, "envs");
    const other = await seedProject(api, "other");
    const created = await admin()(`/api/projects/${project.id}/environments`, {
      method: "POST",
      body: { name: "stage", type: "stage" },
    });
    expect(created.status).toBe(201);
    const stage = (await created.json()) as Json;
    expect(stage).toMatchObject({ projectId: project.id, name: "stage", type: "stage", status: "active" });
    const list = (await (await api.as("viewer")(`/api/projects/${project.id}/environments`)).json()) as {
      items: Json[];
    };
    expect(list.items.map((e) => e.name)).toEqual(["prod", "stage"]);

    const clash = await admin()(`/api/projects/${project.id}/environments/${stage.id}`, {
      method: "PATCH",
      body: { name: "prod" },
    });
    expect(clash.status).toBe(409);
    const patched = await admin()(`/api/projects/${project.id}/environments/${stage.id}`, {
      method: "PATCH",
      body: { type: "dev" },
    });
    expect(await patched.json()).toMatchObject({ type: "dev" });

    expect((await api.as("viewer")(`/api/projects/${other.project.id}/environments/${env.id}`)).status).toBe(
      404,
    );
    const ttlOnProd = await admin()(`/api/projects/${project.id}/environments`, {
      method: "POST",
      body: { name: "x", type: "prod", ttlMinutes: 60 },
    });
    expect(ttlOnProd.status).toBe(400);
    expect(
      (await admin()(`/api/projects/${project.id}/environments/${stage.id}`, { method: "DELETE" })).status,
    ).toBe(204);
    expect((await api.as("viewer")(`/api/projects/${project.id}/environments/${stage.id}`)).status).toBe(404);
  });
});

describe("operations that check what they refer to", () => {
  let api: TestApi;
  let projectId: string;
  let envId: string;

  beforeAll(async () => {
    api = await createTestApi();
    const seeded = await seedProject(api);
    projectId = seeded.project.id;
    envId = seeded.env.id;
  });
  afterAll(async () => api?.close());

  const op = () => api.as("operator");

  it("refuses a deployment to an unknown project or to another project's environment", async () => {
    const unknown = await op()("/api/deployments", {
      method: "POST",
      body: { projectId: "prj_01jd2x5k8m0000abcdefghjkmn", envId, templateId: "web-app" },
    });
    expect(unknown.status).toBe(404);
    const other = await seedProject(api, "elsewhere");
    const foreign = await op()("/api/deployments", {
      method: "POST",
      body: { projectId, envId: other.env.id, templateId: "web-app" },
    });
    expect(foreign.status).toBe(422);
    expect(await foreign.json()).toMatchObject({ code: "environment_not_in_project" });
  });

  it("lists an instance's backups and restores only from a backup of the same engine", async () => {
    const artifact = await api.t.stores.artifacts.create({
      kind: "backup",
      path: "backups/azure-sql/billing/x.bacpac",
      size: 10,
      sha256: "a".repeat(64),
      taskId: null,
      engine: "azure-sql",
      instanceId: "billing",
    });
    const list = (await (await api.as("viewer")("/api/db/azure-sql/billing/backups")).json()) as {
      items: Json[];
    };
    expect(list.items).toEqual([
      expect.objectContaining({
        artifactId: artifact.id,
        engine: "azure-sql",
        instanceId: "billing",
        size: 10,
      }),
    ]);
    expect(
      ((await (await api.as("viewer")("/api/db/azure-postgres/billing/backups")).json()) as { items: Json[] })
        .items,
    ).toEqual([]);

    const mismatch = await op()("/api/db/azure-postgres/billing/restore", {
      method: "POST",
      body: { artifactId: artifact.id },
    });
    expect(mismatch.status).toBe(422);
    expect(await mismatch.json()).toMatchObject({ code: "artifact_engine_mismatch" });
    const missing = await op()("/api/db/azure-sql/billing/restore", {
      method: "POST",
      body: { artifactId: "art_01jd2x5k8m0000abcdefghjkmn" },
    });
    expect(missing.status).toBe(404);
    const ok = await op()("/api/db/azure-sql/billing/restore", {
      method: "POST",
      body: { artifactId: artifact.id },
    });
    expect(ok.status).toBe(202);
    const { taskId } = (await ok.json()) as { taskId: string };
    expect((await api.t.stores.tasks.get(taskId))?.payload).toEqual({
      engine: "azure-sql",
      instanceId: "billing",
      artifactId: artifact.id,
      target: "billing",
    });
  });

  it("refuses a sandbox whose name the project already uses", async () => {
    const res = await op()("/api/sandboxes", {
      method: "POST",
      body: { projectId, ttlMinutes: 60, name: "prod" },
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: "environment_name_taken" });
  });
});

describe("cost estimates", () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(async () => api?.close());

  it("estimates one resource shape from a query", async () => {
    const res = await api.as("viewer")("/api/cost/estimate?cpu=2&memoryGb=8&storageGb=100&region=eastus");
    expect(res.status).toBe(200);
    const e = (await res.json()) as {
      region: string;
      currency: string;
      lineItems: Array<{ component: string; monthly: number }>;
      total: number;
    };
    expect(e.region).toBe("eastus");
    expect(e.currency).toBe("USD");
    expect(e.lineItems.map((l) => l.component)).toEqual(["compute", "memory", "storage"]);
    expect(e.total).toBeCloseTo(
      e.lineItems.reduce((s, l) => s + l.monthly, 0),
      2,
    );
  });

  it("estimates a resource plan from a JSON body, resource by resource", async () => {
    const res = await api.as("viewer")("/api/cost/estimate", {
      method: "POST",
      body: {
        resources: [
          { name: "web", cpu: 1, memoryGb: 2, storageGb: 0, count: 2 },
          { name: "db", cpu: 4, memoryGb: 16, storageGb: 256 },
        ],
      },
    });
    expect(res.status).toBe(200);
    const e = (await res.json()) as { region: string; lineItems: Array<{ resource: string }> };
    expect(e.region).toBe("westeurope");
    expect(e.lineItems.map((l) => l.resource)).toEqual(["web", "web", "db", "db", "db"]);
  });

  it("refuses unknown regions and nonsense sizes", async () => {
    const region = await api.as("viewer")("/api/cost/estimate?cpu=1&memoryGb=1&region=mars");
    expect(region.status).toBe(422);
    expect(await region.json()).toMatchObject({ code: "unknown_region" });
    expect((await api.as("viewer")("/api/cost/estimate?cpu=-1&memoryGb=1")).status).toBe(400);
    expect((await api.as("viewer")("/api/cost/estimate?memoryGb=1")).status).toBe(400);
    expect(
      (await api.as("viewer")("/api/cost/estimate", { method: "POST", body: { resources: [] } })).status,
    ).toBe(400);
  });
});
