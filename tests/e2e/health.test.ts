import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createRuntime, type Runtime } from "../../compose";
import { loadConfig } from "../../config";
import { silentLogger } from "../../platform/logger";

describe("health endpoints", () => {
  let runtime: Runtime | null = null;
  let dataDir = "";

  afterEach(async () => {
    await runtime?.stop().catch(() => undefined);
    runtime = null;
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(env: Record<string, string> = {}) {
    dataDir = mkdtempSync(join(tmpdir(), "cloudops-health-"));
    runtime = await createRuntime(
      loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: "silent", ...env }),
      silentLogger,
    );
    return runtime;
  }

  it("gives a request one id: the x-request-id header is the problem body's requestId", async () => {
    const rt = await start();
    const missing = await rt.app.request("/api/tasks/tsk_nope");
    const body = (await missing.json()) as { requestId: string };
    expect(body.requestId).toMatch(/^req_[0-9a-f]{16}$/);
    expect(missing.headers.get("x-request-id")).toBe(body.requestId);

    const invalid = await rt.app.request("/api/projects", {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "client-chosen-id-42" },
      body: JSON.stringify({ name: "" }),
    });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get("x-request-id")).toBe("client-chosen-id-42");
    expect(((await invalid.json()) as { requestId: string }).requestId).toBe("client-chosen-id-42");
  });

  it("reports status, version, database, queue and uptime at /api/health", async () => {
    const rt = await start();
    const res = await rt.app.request("/api/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: "ok",
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      db: "sqlite",
      queue: "memory",
      uptimeSeconds: expect.any(Number),
    });
  });

  it("answers liveness and readiness when the database and queue are reachable", async () => {
    const rt = await start();
    expect((await rt.app.request("/health/live")).status).toBe(200);
    const ready = await rt.app.request("/health/ready");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ok", checks: { database: "ok", queue: "ok" } });
  });

  it("answers 503 naming the failing part when the database is unreachable", async () => {
    const rt = await start();
    await rt.database.close();
    const ready = await rt.app.request("/health/ready");
    expect(ready.status).toBe(503);
    expect(ready.headers.get("content-type")).toContain("application/problem+json");
    expect(await ready.json()).toMatchObject({
      code: "not_ready",
      failing: ["database"],
      checks: { database: "failing", queue: "ok" },
    });
    expect((await rt.app.request("/health/live")).status).toBe(200);
  });

  it("serves only the probes for ROLE=worker", async () => {
    const rt = await start({ ROLE: "worker" });
    expect((await rt.app.request("/health/ready")).status).toBe(200);
    const api = await rt.app.request("/api/health");
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ code: "route_not_found" });
  });
});
