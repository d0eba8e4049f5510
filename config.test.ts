import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config";

describe("configuration", () => {
  it("needs no variables: demo mode, SQLite under ./data, memory queue, port 3000", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      demoMode: true,
      port: 3000,
      db: "sqlite",
      role: "all",
      demoStepDelayMs: 1000,
    });
    expect(config.queue.engine).toBe("memory");
    expect(config.databaseUrl).toMatch(/^file:.*data\/platform\.db$/);
  });

  it("selects PostgreSQL from DATABASE_URL or its alias PLATFORM_DB_CONN, and BullMQ from REDIS_URL", () => {
    expect(loadConfig({ DATABASE_URL: "postgres://u@h/db" }).db).toBe("postgres");
    expect(loadConfig({ PLATFORM_DB_CONN: "postgresql://u@h/db" }).db).toBe("postgres");
    expect(loadConfig({ DATABASE_URL: "file:/tmp/x.db" }).db).toBe("sqlite");
    expect(loadConfig({ REDIS_URL: "redis://127.0.0.1:6379" }).queue.engine).toBe("bullmq");
    expect(loadConfig({ AZURE_SERVICEBUS_CONNECTION_STRING: "Endpoint=sb://x/" }).queue.engine).toBe(
      "servicebus",
    );
  });

  it.each([
    ["PORT", "abc", /PORT must be a whole number between 1 and 65535 \(got "abc"\)/],
    ["MAX_CONCURRENT_SESSIONS", "0", /MAX_CONCURRENT_SESSIONS must be a whole number between 1 and 1000/],
    ["ROLE", "web", /ROLE must be all, api, worker or bot/],
    ["DEMO_MODE", "maybe", /DEMO_MODE must be true or false/],
    ["DATABASE_URL", "mysql://x", /DATABASE_URL must be a URL starting with postgres:\/\//],
    ["TEAMS_USER_ROLES", "alice=root", /TEAMS_USER_ROLES must be user=role pairs/],
  ])("refuses %s=%s with a message naming the variable", (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it("reads the cluster from KUBECONFIG and KUBE_CONTEXT, else from the pod's service account", () => {
    expect(loadConfig({}).kubernetes).toEqual({
      kubeconfig: undefined,
      context: undefined,
      inCluster: false,
    });
    expect(loadConfig({ KUBECONFIG: "/etc/kube/config", KUBE_CONTEXT: "aks-prod" }).kubernetes).toEqual({
      kubeconfig: "/etc/kube/config",
      context: "aks-prod",
      inCluster: false,
    });
    expect(loadConfig({ KUBERNETES_SERVICE_HOST: "10.0.0.1" }).kubernetes.inCluster).toBe(true);
    expect(loadConfig({ KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBECONFIG: "/k" }).kubernetes.inCluster).toBe(
      false,
    );
  });

  it("parses Teams user roles case-insensitively", () => {
    expect(
      loadConfig({ TEAMS_USER_ROLES: "Alice@Contoso.com=admin, bob@contoso.com=viewer" }).bot.userRoles,
    ).toEqual({
      "alice@contoso.com": "admin",
      "bob@contoso.com": "viewer",
    });
  });

  it("stops the process with exit code 1 and one line on a bad value", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "main.ts"], {
      env: { ...process.env, PORT: "abc", LOG_LEVEL: "silent" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([
      'Invalid configuration: PORT must be a whole number between 1 and 65535 (got "abc")',
    ]);
  });
});
