import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, seedProject, type TestApi } from "../support/api-harness";

type Problem = {
  type: string;
  title: string;
  status: number;
  code: string;
  requestId: string;
  detail?: string;
};

async function expectProblem(res: Response, status: number, code: string): Promise<Problem> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  const body = (await res.json()) as Problem;
  expect(body).toMatchObject({ status, code, type: `https://cloudops.dev/problems/${code}` });
  expect(body.requestId).toMatch(/^req_/);
  expect(res.headers.get("x-request-id")).toBe(body.requestId);
  return body;
}

describe("validation", () => {
  let api: TestApi;
  let projectId: string;
  let envId: string;

  beforeAll(async () => {
    api = await createTestApi({ env: { RATE_LIMIT_PER_MINUTE: "1000", MAX_BODY_BYTES: "2048" } });
    const seeded = await seedProject(api);
    projectId = seeded.project.id;
    envId = seeded.env.id;
  });
  afterAll(async () => api?.close());

  const op = () => api.as("operator");

  it("accepts only azure-postgres and azure-sql as engines", async () => {
    expect((await op()("/api/db/azure-postgres/orders/backup", { method: "POST" })).status).toBe(202);
    expect((await op()("/api/db/azure-sql/orders/backup", { method: "POST" })).status).toBe(202);
    const body = await expectProblem(
      await op()("/api/db/mysql/orders/backup", { method: "POST" }),
      400,
      "validation_failed",
    );
    expect(body.detail).toContain("engine");
  });

  it("requires DNS-1123 labels for instance, namespace and workload names", async () => {
    for (const path of [
      "/api/db/azure-sql/Orders/backup",
      "/api/db/azure-sql/orders_db/backup",
      `/api/db/azure-sql/${"a".repeat(64)}/backup`,
      "/api/k8s/workloads/Shop/web:restart",
      "/api/k8s/workloads/shop/-web:restart",
      "/api/k8s/workloads/shop/web-:restart",
    ]) {
      await expectProblem(await op()(path, { method: "POST" }), 400, "validation_failed");
    }
  });

  it("routes the literal :restart suffix and nothing else", async () => {
    const ok = await op()("/api/k8s/workloads/shop/web-2:restart", { method: "POST" });
    expect(ok.status).toBe(202);
    const { taskId } = (await ok.json()) as { taskId: string };
    expect(await api.t.stores.tasks.get(taskId)).toMatchObject({
      type: "k8s.restart",
      entityId: "shop/web-2",
    });
    await expectProblem(
      await op()("/api/k8s/workloads/shop/web", { method: "POST" }),
      404,
      "route_not_found",
    );
    await expectProblem(
      await op()("/api/k8s/workloads/shop/web:restartx", { method: "POST" }),
      404,
      "route_not_found",
    );
    await expectProblem(
      await op()("/api/k8s/workloads/shop/web:stop", { method: "POST" }),
      404,
      "route_not_found",
    );
  });

  it("keeps ttlMinutes within 5 to 10080", async () => {
    const sandbox = (ttlMinutes: unknown) =>
      op()("/api/sandboxes", { method: "POST", body: { projectId, ttlMinutes } });
    expect((await sandbox(5)).status).toBe(202);
    expect((await sandbox(10_080)).status).toBe(202);
    for (const bad of [4, 10_081, 1.5, "60", -1]) {
      await expectProblem(await sandbox(bad), 400, "validation_failed");
    }
  });

  it("checks ids against their format", async () => {
    await expectProblem(await op()("/api/tasks/123"), 400, "validation_failed");
    await expectProblem(await op()("/api/tasks/prj_01jd2x5k8m0000abcdefghjkmn"), 400, "validation_failed");
    await expectProblem(
      await op()("/api/deployments", {
        method: "POST",
        body: { projectId: "shop", envId, templateId: "web-app" },
      }),
      400,
      "validation_failed",
    );
    await expectProblem(await op()("/api/tasks/tsk_01jd2x5k8m0000abcdefghjkmn"), 404, "task_not_found");
  });

  it("refuses unknown body fields", async () => {
    const body = await expectProblem(
      await op()("/api/deployments", {
        method: "POST",
        body: { projectId, envId, templateId: "web-app", params: {}, force: true },
      }),
      400,
      "validation_failed",
    );
    expect(body.detail).toContain("force");
    await expectProblem(
      await op()("/api/sandboxes", { method: "POST", body: { projectId, ttlMinutes: 60, owner: "me" } }),
      400,
      "validation_failed",
    );
  });

  it("refuses deploy params the template's schema rejects with every field error, and creates no task", async () => {
    const deploys = async () =>
      (await api.t.stores.tasks.list({ type: "deploy", entityId: envId })).items.length;
    const before = await deploys();
    const body = (await expectProblem(
      await op()("/api/deployments", {
        method: "POST",
        body: {
          projectId,
          envId,
          templateId: "web-app",
          params: { replicas: 500, memory: "lots", colour: "blue", "env.1BAD": "x", image: "shop/web:1.4" },
        },
      }),
      400,
      "invalid_params",
    )) as Problem & { errors: Array<{ path: string; message: string }>; hint: string };
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { path: "params.replicas", message: expect.stringMatching(/50/) },
        { path: "params.memory", message: "memory must be a Kubernetes quantity like 250m or 256Mi" },
        { path: "params.colour", message: "not a parameter of the template" },
        { path: "params.env.1BAD", message: "not a valid environment variable name" },
      ]),
    );
    expect(body.errors).toHaveLength(4);
    expect(body.detail).toContain("params.colour: not a parameter of the template");
    expect(body.hint).toContain("replicas");
    expect(await deploys()).toBe(before);
    const good = await op()("/api/deployments", {
      method: "POST",
      body: { projectId, envId, templateId: "web-app", params: { replicas: 3, "env.MODE": "blue" } },
    });
    expect(good.status).toBe(202);
  });

  it("refuses unknown deploy templates and lists the known ones in the schema", async () => {
    await expectProblem(
      await op()("/api/deployments", { method: "POST", body: { projectId, envId, templateId: "rm-rf" } }),
      400,
      "validation_failed",
    );
  });

  it("answers 413 for a body over MAX_BODY_BYTES", async () => {
    const big = JSON.stringify({
      projectId,
      envId,
      templateId: "web-app",
      params: { blob: "x".repeat(4000) },
    });
    await expectProblem(
      await api.app.request("/api/deployments", {
        method: "POST",
        body: big,
        headers: { "content-type": "application/json", "content-length": String(big.length) },
      }),
      413,
      "payload_too_large",
    );
  });

  it("answers 415 for a body that is not JSON", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
      await expectProblem(
        await api.app.request("/api/sandboxes", {
          method: "POST",
          body: "projectId=x",
          headers: { "content-type": type, "content-length": "11" },
        }),
        415,
        "unsupported_media_type",
      );
    }
  });

  it("treats an empty body labelled JSON as no body", async () => {
    const { task } = await api.t.engine.tasks.submit({
      type: "db.backup",
      entityId: "azure-sql/empty-body",
      payload: { engine: "azure-sql", instanceId: "empty-body" },
      requestedBy: "t",
      source: "api",
    });
    await api.t.stores.tasks.transition(task.id, "running");
    await api.t.stores.tasks.transition(task.id, "failed");
    const headers = { "content-type": "application/json", "content-length": "0", "x-demo-role": "operator" };
    const retry = await api.app.request(`/api/tasks/${task.id}/retry`, { method: "POST", headers });
    expect(retry.status).toBe(202);
    const sandbox = await api.app.request("/api/sandboxes", { method: "POST", headers });
    await expectProblem(sandbox, 400, "validation_failed");
  });

  it("answers 400 for malformed JSON", async () => {
    const res = await api.app.request("/api/sandboxes", {
      method: "POST",
      body: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
  });
});

describe("errors", () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await createTestApi({ env: { RATE_LIMIT_PER_MINUTE: "3" } });
  });
  afterAll(async () => api?.close());

  it("answers an unknown route with a 404 problem", async () => {
    const body = await expectProblem(await api.app.request("/api/nothing-here"), 404, "route_not_found");
    expect(body.detail).toContain("/api/nothing-here");
  });

  it("answers a wrong method with 405 and an Allow header", async () => {
    const res = await api.app.request("/api/tasks", { method: "DELETE" });
    await expectProblem(res, 405, "method_not_allowed");
    expect(res.headers.get("allow")).toContain("GET");
    const put = await api.app.request("/api/deployments", { method: "GET" });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("POST");
  });

  it("limits each user's changes per minute with 429 and Retry-After", async () => {
    const call = api.as("operator", "busy-user");
    const statuses: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 4; i++) {
      last = await call("/api/db/azure-sql/orders/backup", { method: "POST" });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([202, 202, 202, 429]);
    if (!last) throw new Error("no answer");
    expect(Number(last.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    await expectProblem(last, 429, "rate_limited");
    // Someone else still has their budget, and reads are never limited.
    expect(
      (await api.as("operator", "other-user")("/api/db/azure-sql/orders/backup", { method: "POST" })).status,
    ).toBe(202);
    expect((await call("/api/tasks")).status).toBe(200);
  });

  it("answers an unexpected failure with a 500 that shows no internals", async () => {
    const original = api.t.stores.projects.list;
    api.t.stores.projects.list = async () => {
      throw new Error("SQLITE_CORRUPT: secret table layout at /var/lib/db");
    };
    try {
      const res = await api.as("viewer")("/api/projects");
      const body = await expectProblem(res, 500, "internal_error");
      expect(JSON.stringify(body)).not.toMatch(/SQLITE|secret|\/var\/lib|stack/);
    } finally {
      api.t.stores.projects.list = original;
    }
  });
});
