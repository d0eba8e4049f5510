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
