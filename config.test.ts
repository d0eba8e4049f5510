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

  it("needs SESSION_SECRET of 32+ characters when DEMO_MODE=false serves the dashboard", () => {
    const prod = { DEMO_MODE: "false", OIDC_ISSUER: "https://idp.example/v2.0" };
    expect(() => loadConfig(prod)).toThrow(/SESSION_SECRET must be set/);
    expect(() => loadConfig({ ...prod, SESSION_SECRET: "s".repeat(32) })).toThrow(/OIDC_CLIENT_ID/);
    expect(() => loadConfig({ ...prod, SESSION_SECRET: "short" })).toThrow(
      /SESSION_SECRET must be at least 32 characters/,
    );
    expect(loadConfig({ ...prod, ROLE: "worker" }).auth.sessionSecret).toBeUndefined();
    const config = loadConfig({
      ...prod,
      SESSION_SECRET: "s".repeat(32),
      AZURE_CLIENT_ID: "app-1",
      AZURE_CLIENT_SECRET: "secret-1",
    });
    expect(config.auth).toMatchObject({ oidcClientId: "app-1", oidcClientSecret: "secret-1" });
  });

  it("serves the bot registration's tenant only, unless TEAMS_ALLOWED_TENANTS says otherwise", () => {
    expect(loadConfig({}).bot.allowedTenants).toEqual([]);
    expect(loadConfig({ MICROSOFT_APP_TENANT_ID: "T-1" }).bot.allowedTenants).toEqual(["t-1"]);
    expect(
      loadConfig({ MICROSOFT_APP_TENANT_ID: "t-1", TEAMS_ALLOWED_TENANTS: "t-2, T-3" }).bot.allowedTenants,
    ).toEqual(["t-2", "t-3"]);
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

  it("reads DB_INSTANCES as JSON or id=url pairs, inferring the engine from the URL", () => {
    const json = loadConfig({
      DB_INSTANCES: JSON.stringify({
        "orders-db": {
          engine: "azure-postgres",
          url: "postgres://app:pw@h/orders",
          environment: "shop/prod",
        },
      }),
    });
    expect(json.databases.instances).toEqual([
      {
        id: "orders-db",
        engine: "azure-postgres",
        url: "postgres://app:pw@h/orders",
        environment: "shop/prod",
      },
    ]);
    const pairs = loadConfig({
      DB_INSTANCES:
        "orders-db=postgres://app@h/orders, billing=Server=tcp:b.database.windows.net;Database=billing",
      DB_OPERATION_TIMEOUT_MINUTES: "5",
    });
    expect(pairs.databases.instances.map((i) => [i.id, i.engine])).toEqual([
      ["orders-db", "azure-postgres"],
      ["billing", "azure-sql"],
    ]);
    expect(pairs.databases.operationTimeoutMs).toBe(300_000);
    expect(loadConfig({}).databases).toMatchObject({ instances: [], operationTimeoutMs: 3_600_000 });
  });

  it("reads APPROVAL_TTL_MINUTES (default 60) and refuses a value outside 1..10080", () => {
    expect(loadConfig({}).approval.ttlMs).toBe(3_600_000);
    expect(loadConfig({ APPROVAL_TTL_MINUTES: "15" }).approval.ttlMs).toBe(900_000);
    for (const bad of ["0", "10081", "soon"]) {
      expect(() => loadConfig({ APPROVAL_TTL_MINUTES: bad })).toThrow(/APPROVAL_TTL_MINUTES/);
    }
  });

  it("names DB_INSTANCES in its errors without ever echoing the value (it holds passwords)", () => {
    for (const raw of [
      '{"Orders":{"url":"postgres://u:hunter2@h/db"}}',
      "orders=mysql://u:hunter2@h/db",
      "{not json hunter2",
    ]) {
      let message = "";
      try {
        loadConfig({ DB_INSTANCES: raw });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        message = (error as Error).message;
      }
      expect(message).toMatch(/^Invalid configuration: DB_INSTANCES/);
      expect(message).not.toContain("hunter2");
    }
  });

  it("needs a connection string or account URL for ARTIFACT_STORE=azure-blob", () => {
    expect(() => loadConfig({ ARTIFACT_STORE: "azure-blob" })).toThrow(
      /AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_URL/,
    );
    expect(
      loadConfig({
        ARTIFACT_STORE: "azure-blob",
        AZURE_STORAGE_ACCOUNT_URL: "https://acct.blob.core.windows.net",
      }).artifacts,
    ).toMatchObject({ store: "azure-blob", container: "cloudops-artifacts", retentionDays: 30 });
    expect(() => loadConfig({ AZURE_STORAGE_CONTAINER: "Bad_Name" })).toThrow(/AZURE_STORAGE_CONTAINER/);
  });
});
