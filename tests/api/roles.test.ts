import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Role } from "../../api/types";
import { createTestApi, seedProject, TEST_INTERNAL_TOKEN, type TestApi } from "../support/api-harness";
import {
  fillPath,
  operationsOf,
  REQUIRED_ROLE,
  type SampleIds,
  sampleBody,
  sampleQuery,
} from "./route-table";

const ROLES: Role[] = ["viewer", "operator", "admin"];
const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

describe("who may do what: every route with every role", () => {
  let api: TestApi;
  let ids: SampleIds;
  let operations: ReturnType<typeof operationsOf>;

  beforeAll(async () => {
    api = await createTestApi({ env: { RATE_LIMIT_PER_MINUTE: "1000" } });
    const { project, env } = await seedProject(api);
    const { task } = await api.t.engine.tasks.submit({
      type: "db.backup",
      entityId: "azure-postgres/orders",
      payload: { engine: "azure-postgres", instanceId: "orders" },
      requestedBy: "seed",
      source: "api",
    });
    const letter = await api.t.stores.deadLetters.create({
      taskId: task.id,
      taskType: task.type,
      entityId: task.entityId,
      reason: "permanent",
      attempts: 1,
      lastError: "boom",
    });
    const artifact = await api.t.stores.artifacts.create({
      kind: "backup",
      path: "backups/x.dump",
      size: 1,
      sha256: "0".repeat(64),
      taskId: task.id,
      engine: "azure-postgres",
      instanceId: "orders",
    });
    ids = {
      taskId: task.id,
      projectId: project.id,
      envId: env.id,
      deadLetterId: letter.id,
      artifactId: artifact.id,
    };
    operations = operationsOf(await (await api.app.request("/openapi.json")).json());
  });
  afterAll(async () => api?.close());

  it("has an expected role for every documented operation, and documents every operation in the table", () => {
    expect(operations.map((o) => o.operationId).sort()).toEqual(Object.keys(REQUIRED_ROLE).sort());
  });

  for (const role of ROLES) {
    it(`lets a ${role} do exactly what the role allows`, async () => {
      const call = api.as(role, `table-${role}`);
      const outcomes: string[] = [];
      let n = 0;
      // Deletes last, so the project and environment exist for everything else.
      const ordered = [...operations].sort(
        (a, b) => Number(a.method === "DELETE") - Number(b.method === "DELETE"),
      );
      for (const op of ordered) {
        const required = REQUIRED_ROLE[op.operationId];
        const res = await call(fillPath(op.template, ids) + sampleQuery(op.operationId), {
          method: op.method,
          body: sampleBody(op.operationId, ids, n++),
        });
        await res.body?.cancel();
        const allowed =
          required === "public" ||
          (required !== undefined && required !== "bot" && RANK[role] >= RANK[required]);
        const denied = res.status === 403;
        outcomes.push(`${op.operationId}: ${allowed ? "allowed" : "denied"} -> ${res.status}`);
        expect(denied, `${op.operationId} as ${role} answered ${res.status}`).toBe(!allowed);
        expect(res.status, `${op.operationId} as ${role}`).toBeLessThan(500);
        expect(res.status).not.toBe(401);
      }
      expect(outcomes.length).toBe(operations.length);
    });
  }

  it("answers a refused role with problem+json naming the role needed", async () => {
    const res = await api.as("viewer")("/api/k8s/workloads/shop/web:restart", { method: "POST" });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(await res.json()).toMatchObject({
      code: "forbidden",
      detail: expect.stringContaining("operator"),
    });
  });

  it("lets the bot act for a user with that user's role", async () => {
    const headers = (role: Role) => ({
      "x-internal-token": TEST_INTERNAL_TOKEN,
      "x-acting-user": "alice@contoso.com",
      "x-acting-role": role,
      "x-acting-source": "bot",
    });
    const denied = await api.app.request("/api/k8s/workloads/shop/web:restart", {
      method: "POST",
      headers: headers("viewer"),
    });
    expect(denied.status).toBe(403);
    const ok = await api.app.request("/api/k8s/workloads/shop/web:restart", {
      method: "POST",
      headers: headers("operator"),
    });
    expect(ok.status).toBe(202);
    const { taskId } = (await ok.json()) as { taskId: string };
    const task = await api.t.stores.tasks.get(taskId);
    expect(task).toMatchObject({ requestedBy: "alice@contoso.com", source: "bot" });
  });

  it("refuses a wrong internal token with 401, even in demo mode", async () => {
    const res = await api.app.request("/api/tasks", {
      headers: {
        "x-internal-token": "nope",
        "x-acting-user": "mallory",
        "x-acting-role": "admin",
        "x-acting-source": "bot",
      },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: "unauthorized" });
  });

  it("refuses an unknown demo role instead of guessing", async () => {
    const res = await api.app.request("/api/tasks", { headers: { "x-demo-role": "root" } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "invalid_demo_role" });
  });

  it("treats a demo request without X-Demo-Role as the admin demo user", async () => {
    const res = await api.app.request("/api/projects", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "by-default-admin" }),
    });
    expect(res.status).toBe(201);
  });
});
