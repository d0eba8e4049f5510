import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApi, seedProject, type TestApi } from "../support/api-harness";
import { listen } from "../support/http-server";
import {
  fillPath,
  type Operation,
  operationsOf,
  REQUIRED_ROLE,
  type SampleIds,
  sampleBody,
} from "./route-table";

interface Attempt {
  what: string;
  /**
   * Sent with app.request instead of the socket: Node closes a connection whose oversized body it did
   * not read, and a pooled client may then reuse the dead socket for the next request.
   */
  inProcess?: boolean;
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

const BAD_PATH_VALUES = [
  "",
  "..",
  "%2e%2e%2f%2e%2e",
  "A".repeat(300),
  "tsk_",
  "'; drop table tasks; --",
  "%E0%A4%A",
  "%00",
  "ünïcödé",
  "UPPER_case",
  "prj_01jd2x5k8m0000abcdefghjkmn-extra",
];

const BAD_BODIES = ["not json", "{", "[]", "null", "42", '"string"', `{"a":${"[".repeat(200)}`, "{}{}"];

interface DocParameter {
  name: string;
  in: string;
}
type Doc = { paths: Record<string, Record<string, { parameters?: DocParameter[] }>> };

function attemptsFor(op: Operation, doc: Doc, ids: SampleIds): Attempt[] {
  const out: Attempt[] = [];
  const good = fillPath(op.template, ids);
  const json = { "content-type": "application/json" };
  const sample = sampleBody(op.operationId, ids);
  const validBody = sample === undefined ? undefined : JSON.stringify(sample);

  for (const param of op.template.match(/\{\w+\}/g) ?? []) {
    for (const bad of BAD_PATH_VALUES) {
      const path = fillPath(op.template.replace(param, bad.replace(/[{}]/g, "")), ids);
      out.push({
        what: `path ${param}=${bad.slice(0, 20)}`,
        method: op.method,
        path,
        body: validBody,
        headers: json,
      });
    }
  }
  const query = (doc.paths[op.template]?.[op.method.toLowerCase()]?.parameters ?? []).filter(
    (p) => p.in === "query",
  );
  for (const p of query) {
    out.push({
      what: `query ${p.name}`,
      method: op.method,
      path: `${good}?${p.name}=${"9".repeat(300)}`,
      body: validBody,
      headers: json,
    });
  }
  if (op.hasBody) {
    for (const bad of BAD_BODIES) {
      out.push({ what: `body ${bad.slice(0, 12)}`, method: op.method, path: good, body: bad, headers: json });
    }
    out.push({
      what: "text/plain body",
      method: op.method,
      path: good,
      body: validBody,
      headers: { "content-type": "text/plain" },
    });
    const huge = JSON.stringify({ x: "y".repeat(200_000) });
    out.push({
      what: "huge body",
      inProcess: true,
      method: op.method,
      path: good,
      body: huge,
      headers: { ...json, "content-length": String(huge.length) },
    });
    if (sample && typeof sample === "object") {
      const fields = Object.keys(sample);
      for (const field of fields) {
        out.push({
          what: `field ${field}=[1,2]`,
          method: op.method,
          path: good,
          body: JSON.stringify({ ...sample, [field]: [1, 2] }),
          headers: json,
        });
      }
      out.push({
        what: "unknown field",
        method: op.method,
        path: good,
        body: JSON.stringify({ ...sample, isAdmin: true }),
        headers: json,
      });
      out.push({
        what: "__proto__ field",
        method: op.method,
        path: good,
        body: `{"__proto__":{"role":"admin"},${JSON.stringify(sample).slice(1)}`,
        headers: json,
      });
    }
  }
  const role = REQUIRED_ROLE[op.operationId];
  const mutating = op.method !== "GET" && role !== "viewer" && role !== "public";
  if (mutating) {
    out.push({
      what: "bad idempotency key",
      method: op.method,
      path: good,
      body: validBody,
      headers: { ...json, "idempotency-key": "has spaces\tand tabs" },
    });
  }
  if (op.template.endsWith("/sse")) {
    out.push({
      what: "bad last-event-id",
      method: op.method,
      path: good,
      headers: { "last-event-id": "-1 OR 1=1" },
    });
  }
  if (role !== "public")
    out.push({
      what: "bad demo role",
      method: op.method,
      path: good,
      body: validBody,
      headers: { ...json, "x-demo-role": "root" },
    });
  return out;
}

describe("malformed input at every route", () => {
  let api: TestApi;
  let server: Awaited<ReturnType<typeof listen>>;
  let ids: SampleIds;
  let doc: Doc;
  let operations: Operation[];

  beforeAll(async () => {
    api = await createTestApi({ env: { RATE_LIMIT_PER_MINUTE: "100000", MAX_BODY_BYTES: "65536" } });
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
    ids = {
      taskId: task.id,
      projectId: project.id,
      envId: env.id,
      deadLetterId: letter.id,
      artifactId: "art_01jd2x5k8m0000abcdefghjkmn",
    };
    server = await listen(api.app.fetch);
    doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Doc;
    operations = operationsOf(doc as Parameters<typeof operationsOf>[0]);
  });
  afterAll(async () => {
    await server?.close();
    await api?.close();
  });

  it("answers every malformed request with a 4xx problem and stays healthy", async () => {
    const failures: string[] = [];
    let count = 0;
    for (const op of operations) {
      for (const a of attemptsFor(op, doc, ids)) {
        count++;
        let res: Response;
        try {
          const init = {
            method: a.method,
            headers: { "x-demo-role": "admin", ...a.headers },
            body: a.method === "GET" ? undefined : a.body,
          };
          res = a.inProcess
            ? await api.app.request(a.path, init)
            : await fetch(`${server.url}${a.path}`, init);
        } catch (error) {
          failures.push(`${op.operationId} ${a.what}: ${String((error as Error).cause ?? error)}`);
          continue;
        }
        const type = res.headers.get("content-type") ?? "";
        await res.body?.cancel();
        if (res.status < 400 || res.status >= 500 || !type.includes("application/problem+json")) {
          failures.push(`${op.operationId} ${a.what}: ${res.status} ${type}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(count).toBeGreaterThan(400);

    for (const [method, path] of [
      ["GET", "/api/../../etc/passwd"],
      ["PATCH", "/api/tasks"],
      ["OPTIONS", "/api/tasks"],
      ["GET", `/api/${"x/".repeat(500)}`],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, { method, headers: { "x-demo-role": "viewer" } });
      await res.body?.cancel();
      expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
    }

    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
    const still = await fetch(`${server.url}/api/k8s/workloads/shop/web:restart`, {
      method: "POST",
      headers: { "x-demo-role": "operator" },
    });
    expect(still.status).toBe(202);
  });
});
