import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, type TestApi } from "../support/api-harness";

interface Operation {
  operationId?: string;
  responses: Record<string, { content?: Record<string, { example?: unknown; examples?: unknown }> }>;
  requestBody?: { content: Record<string, { example?: unknown }> };
}
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>> };

/**
 * A path with its parameters blanked, comparable across Hono (`:id`, `:x{regex}`) and OpenAPI (`{id}`).
 * A regex parameter that ends in a literal suffix (`:target{[^/]+:restart}`) keeps the suffix.
 */
function shape(path: string): string {
  return path
    .replace(/\/:\w+\{[^}]*?:(\w+)\}/g, "/{}:$1")
    .replace(/\/:\w+\{[^}]*\}/g, "/{}")
    .replace(/\/:\w+/g, "/{}")
    .replace(/\{\w+\}/g, "{}");
}

// Not API operations: the document itself, its two renderings and the reference's script bundle.
const NOT_OPERATIONS = new Set(["/openapi.json", "/docs", "/swagger"]);
const isReferenceAsset = (path: string) => path.startsWith("/docs/assets/");

describe("the OpenAPI document", () => {
  let api: TestApi;
  let doc: Doc;

  beforeAll(async () => {
    api = await createTestApi();
    const res = await api.app.request("/openapi.json");
    expect(res.status).toBe(200);
    doc = (await res.json()) as Doc;
  });
  afterAll(async () => api?.close());

  it("is OpenAPI 3.1", () => {
    expect(doc.openapi).toBe("3.1.0");
  });

  it("lists every route the app serves", () => {
    const served = api.app.routes
      .filter((r) => r.method !== "ALL" && !NOT_OPERATIONS.has(r.path) && !isReferenceAsset(r.path))
      .map((r) => `${r.method.toLowerCase()} ${shape(r.path)}`);
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${shape(path)}`)),
    );
    const missing = [...new Set(served)].filter((r) => !documented.has(r));
    expect(missing).toEqual([]);
    expect(served.length).toBeGreaterThanOrEqual(35);
  });

  it("gives every operation a unique operationId, an example answer and the shared error answers", () => {
    const ids: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${path}`;
        expect(op.operationId, where).toMatch(/^[a-z][A-Za-z]+$/);
        ids.push(op.operationId ?? "");
        const success = Object.entries(op.responses).filter(([status]) => status.startsWith("2"));
        expect(success.length, where).toBeGreaterThan(0);
        const withContent = success.filter(([, r]) => r.content);
        for (const [status, r] of withContent) {
          const media = Object.values(r.content ?? {});
          expect(
            media.some((m) => m.example !== undefined || m.examples !== undefined),
            `${where} ${status} example`,
          ).toBe(true);
        }
        if (op.requestBody) {
          const media = Object.values(op.requestBody.content);
          expect(
            media.some((m) => m.example !== undefined),
            `${where} request example`,
          ).toBe(true);
        }
        if (path === "/api/health") continue;
        for (const status of ["400", "401", "403", "404", "405", "413", "415", "422", "429", "500"]) {
          const problem = op.responses[status]?.content?.["application/problem+json"];
          expect(problem, `${where} ${status}`).toBeDefined();
        }
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("documents the Location header of every 202 that creates a task", () => {
    const accepted = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        // A cancel answers about the task the caller already named; every other 202 queues a task.
        .filter(([, op]) => op.responses["202"] && op.operationId !== "cancelTask")
        .map(([method, op]) => ({
          at: `${method} ${path}`,
          response: op.responses["202"] as { headers?: Record<string, unknown> },
        })),
    );
    expect(accepted.map((a) => a.at)).toEqual(
      expect.arrayContaining([
        "post /api/deployments",
        "post /api/sandboxes",
        "post /api/k8s/workloads/{ns}/{name}:restart",
      ]),
    );
    for (const { at, response } of accepted) {
      expect(response.headers?.Location, at).toMatchObject({ schema: { type: "string" } });
    }
  });

  it("documents the paths of the contract exactly as written", () => {
    for (const path of [
      "/api/deployments",
      "/api/db/{engine}/{instanceId}/backup",
      "/api/db/{engine}/{instanceId}/restore",
      "/api/k8s/workloads/{ns}/{name}:restart",
      "/api/sandboxes",
      "/api/tasks/{id}/sse",
      "/api/tasks/sse",
      "/api/tasks/stream/{id}",
      "/api/notifications/test",
      "/api/cost/estimate",
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
  });

  it("serves the Scalar reference at /docs and /swagger", async () => {
    for (const path of ["/docs", "/swagger"]) {
      const res = await api.app.request(path);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("/openapi.json");
    }
  });
});
