import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTING_ASSERTION_HEADER, assertionKey, signActingAssertion } from "../../platform/acting-assertion";
import { createTestApi, TEST_INTERNAL_TOKEN, type TestApi } from "../support/api-harness";

const ISSUER = "https://login.example.test/tenant-1/v2.0";
const AUDIENCE = "api://cloudops";

type Key = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

describe("production sign-in (DEMO_MODE=false): Bearer JWT against the issuer's JWKS", () => {
  let api: TestApi;
  let jwks: Server;
  let signingKey: Key;
  let strangerKey: Key;

  const token = (
    claims: JWTPayload,
    options: { key?: Key; issuer?: string; audience?: string; expires?: string } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: options.key === strangerKey ? "stranger" : "k1" })
      .setIssuer(options.issuer ?? ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setSubject("00000000-sub")
      .setIssuedAt()
      .setExpirationTime(options.expires ?? "10m")
      .sign(options.key ?? signingKey);

  const call = async (path: string, bearer?: string, init: RequestInit = {}) =>
    api.app.request(path, {
      ...init,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(init.headers as Record<string, string>),
      },
    });

  beforeAll(async () => {
    const pair = await generateKeyPair("RS256");
    signingKey = pair.privateKey;
    strangerKey = (await generateKeyPair("RS256")).privateKey;
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    jwks = createServer((req, res) => {
      if (req.url !== "/discovery/v2.0/keys") {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    const { port } = jwks.address() as AddressInfo;
    api = await createTestApi({
      env: {
        DEMO_MODE: "false",
        OIDC_ISSUER: ISSUER,
        OIDC_AUDIENCE: AUDIENCE,
        OIDC_JWKS_URL: `http://127.0.0.1:${port}/discovery/v2.0/keys`,
      },
    });
  });
  afterAll(async () => {
    await api?.close();
    await new Promise<void>((resolve) => (jwks ? jwks.close(() => resolve()) : resolve()));
  });

  it("answers 401 problem+json without a token, and the demo switch does not help", async () => {
    const res = await call("/api/tasks", undefined, { headers: { "x-demo-role": "admin" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    expect(await res.json()).toMatchObject({ code: "unauthorized" });
  });

  it("keeps /api/health open for probes", async () => {
    expect((await call("/api/health")).status).toBe(200);
  });

  it("refuses tokens that are malformed, signed by another key, for another issuer or audience, or expired", async () => {
    const bad = [
      "not-a-jwt",
      await token({ roles: ["admin"] }, { key: strangerKey }),
      await token({ roles: ["admin"] }, { issuer: "https://evil.example/v2.0" }),
      await token({ roles: ["admin"] }, { audience: "api://other" }),
      await token({ roles: ["admin"] }, { expires: "-5m" }),
    ];
    for (const t of bad) {
      const res = await call("/api/tasks", t);
      expect(res.status).toBe(401);
    }
  });

  it("lets a viewer read and refuses a viewer's change with 403", async () => {
    const viewer = await token({ roles: ["viewer"], preferred_username: "vera@contoso.com" });
    expect((await call("/api/tasks", viewer)).status).toBe(200);
    const res = await call("/api/k8s/workloads/shop/web:restart", viewer, { method: "POST" });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: "forbidden" });
  });

  it("lets an operator start a task, recorded under the token's user", async () => {
    const operator = await token({
      roles: ["operator"],
      preferred_username: "otto@contoso.com",
      name: "Otto",
    });
    const res = await call("/api/k8s/workloads/shop/web:restart", operator, { method: "POST" });
    expect(res.status).toBe(202);
    const { taskId } = (await res.json()) as { taskId: string };
    expect(await api.t.stores.tasks.get(taskId)).toMatchObject({
      requestedBy: "otto@contoso.com",
      source: "api",
    });
  });

  it("reads namespaced Entra app roles and takes the strongest", async () => {
    const admin = await token({
      roles: ["CloudOps.Viewer", "CloudOps.Admin"],
      preferred_username: "ada@contoso.com",
    });
    const res = await call("/api/projects", admin, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "from-entra" }),
    });
    expect(res.status).toBe(201);
  });

  it("answers 403 no_role for a valid token without any of our roles", async () => {
    const res = await call("/api/tasks", await token({ roles: ["Reader"] }));
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: "no_role" });
  });

  it("still accepts the bot with the internal token", async () => {
    const res = await call("/api/tasks", undefined, {
      headers: {
        "x-internal-token": TEST_INTERNAL_TOKEN,
        "x-acting-user": "alice@contoso.com",
        "x-acting-role": "viewer",
        "x-acting-source": "bot",
      },
    });
    expect(res.status).toBe(200);
  });

  it("refuses the internal token speaking for the dashboard: the site must send its user's assertion", async () => {
    const res = await call("/api/projects", undefined, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-internal-token": TEST_INTERNAL_TOKEN,
        "x-acting-user": "dashboard-user",
        "x-acting-role": "admin",
        "x-acting-source": "site",
      },
      body: JSON.stringify({ name: "internal-admin" }),
    });
    expect(res.status).toBe(401);
    expect((await api.t.stores.projects.list()).map((p) => p.name)).not.toContain("internal-admin");
  });

  it("acts as the person a dashboard assertion names and writes them into the audit log", async () => {
    const key = assertionKey(TEST_INTERNAL_TOKEN);
    const assertion = await signActingAssertion(key, {
      id: "olga@contoso.test",
      name: "Olga",
      role: "admin",
    });
    const res = await call("/api/projects", undefined, {
      method: "POST",
      headers: { "content-type": "application/json", [ACTING_ASSERTION_HEADER]: assertion },
      body: JSON.stringify({ name: "from-dashboard" }),
    });
    expect(res.status).toBe(201);
    const rows = await api.t.stores.audit.recent(50);
    const row = rows.find((r) => r.outcome === "accepted" && r.actor === "olga@contoso.test");
    expect(row).toMatchObject({ actor: "olga@contoso.test", role: "admin", source: "site" });
  });

  it("refuses an assertion signed with another key or for a viewer who posts anyway", async () => {
    const forged = await signActingAssertion(assertionKey("another-secret-0123456789abcdef"), {
      id: "mallory",
      name: "Mallory",
      role: "admin",
    });
    const headers = { "content-type": "application/json" };
    const body = JSON.stringify({ name: "forged" });
    const refused = await call("/api/projects", undefined, {
      method: "POST",
      headers: { ...headers, [ACTING_ASSERTION_HEADER]: forged },
      body,
    });
    expect(refused.status).toBe(401);
    const viewer = await signActingAssertion(assertionKey(TEST_INTERNAL_TOKEN), {
      id: "vera@contoso.test",
      name: "Vera",
      role: "viewer",
    });
    const forbidden = await call("/api/projects", undefined, {
      method: "POST",
      headers: { ...headers, [ACTING_ASSERTION_HEADER]: viewer },
      body,
    });
    expect(forbidden.status).toBe(403);
    expect((await api.t.stores.projects.list()).map((p) => p.name)).not.toContain("forged");
  });
});
