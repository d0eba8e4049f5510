import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSessions, SESSION_COOKIE } from "../../site/auth/session";
import { TEST_PUBLIC_CLIENT_ID } from "../support/oidc-provider";
import { type ProductionSite, startProductionSite, TEST_SESSION_SECRET } from "../support/production-site";
import { type Agent, createAgent } from "../support/sign-in-agent";

// Production mode (DEMO_MODE=false) of the dashboard against a real OpenID provider (oidc-provider).

let prod: ProductionSite;
beforeAll(async () => {
  prod = await startProductionSite();
}, 180_000);
afterAll(async () => {
  await prod?.stop();
});

const isCallback = (url: URL) => url.pathname === "/auth/callback";

/** Signs `login` in through the provider; resolves with the agent holding the session. */
async function signedIn(login: string): Promise<Agent> {
  const agent = createAgent();
  const end = await agent.follow(`${prod.url}/auth/login`, { login });
  expect(end.url.href).toBe(`${prod.url}/`);
  expect(agent.cookie(prod.url, SESSION_COOKIE)).toBeDefined();
  return agent;
}

/** Runs the provider's side of a sign-in and returns the callback URL, not yet visited. */
async function callbackFor(agent: Agent, login: string, tweak?: (authorize: URL) => void): Promise<URL> {
  const start = await agent.request(`${prod.url}/auth/login`);
  const authorize = new URL(start.headers.get("location") ?? "");
  tweak?.(authorize);
  const end = await agent.follow(authorize.href, { login, stop: isCallback });
  expect(isCallback(end.url)).toBe(true);
  return end.url;
}

const sessions = createSessions(TEST_SESSION_SECRET);
const now = () => Math.floor(Date.now() / 1000);

describe("dashboard sign-in (OpenID Connect)", () => {
  it("sends a visitor without a session to /auth/login, and from there to the provider with PKCE S256, state and nonce", async () => {
    const agent = createAgent();
    const page = await agent.request(`${prod.url}/tasks?status=failed`);
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe(
      `/auth/login?returnTo=${encodeURIComponent("/tasks?status=failed")}`,
    );
    const login = await agent.request(`${prod.url}${page.headers.get("location")}`);
    expect(login.status).toBe(302);
    const authorize = new URL(login.headers.get("location") ?? "");
    expect(authorize.origin).toBe(prod.idp.issuer);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get("state")).toMatch(/\S{20,}/);
    expect(authorize.searchParams.get("nonce")).toMatch(/\S{20,}/);
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${prod.url}/auth/callback`);
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith("cloudops_login="));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
  });

  it("signs a person in through the provider and shows who they are, their role and a sign-out", async () => {
    const agent = createAgent();
    const end = await agent.follow(`${prod.url}/tasks?status=failed`, { login: "olga" });
    expect(end.url.href).toBe(`${prod.url}/tasks?status=failed`);
    expect(end.response?.status).toBe(200);
    expect(end.body).toContain("Olga Operator · operator");
    expect(end.body).toContain('href="/auth/logout"');
    expect(end.body).not.toContain('href="/chat"');
  });

  it("sets the session cookie HttpOnly and SameSite=Lax, and not Secure on a plain http PUBLIC_URL", async () => {
    const agent = createAgent();
    const callback = await callbackFor(agent, "olga");
    const answer = await agent.request(callback.href);
    expect(answer.status).toBe(303);
    const cookie = answer.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`)) ?? "";
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
  });

  it("refuses a callback whose state does not match the one it sent, and signs nobody in", async () => {
    const agent = createAgent();
    const callback = await callbackFor(agent, "alice");
    callback.searchParams.set("state", "attacker-chosen-state");
    const answer = await agent.request(callback.href);
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain("state_mismatch");
    expect(agent.cookie(prod.url, SESSION_COOKIE)).toBeUndefined();
  });

  it("refuses a replayed authorization code", async () => {
    const agent = createAgent();
    const callback = await callbackFor(agent, "alice");
    const loginCookie = agent.cookie(prod.url, "cloudops_login");
    expect((await agent.request(callback.href)).status).toBe(303);
    // The attacker has the callback URL and the login cookie, but not the session.
    const attacker = createAgent();
    attacker.setCookie(prod.url, "cloudops_login", loginCookie);
    const replay = await attacker.request(callback.href);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain("code_rejected");
    expect(attacker.cookie(prod.url, SESSION_COOKIE)).toBeUndefined();
  });

  it("refuses an ID token whose nonce is not the one the dashboard sent", async () => {
    const agent = createAgent();
    const callback = await callbackFor(agent, "alice", (authorize) =>
      authorize.searchParams.set("nonce", "nonce-of-another-login-attempt"),
    );
    const answer = await agent.request(callback.href);
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain("id_token_invalid");
    expect(agent.cookie(prod.url, SESSION_COOKIE)).toBeUndefined();
  });

  it("refuses a callback without the login cookie (another browser, or expired)", async () => {
    const agent = createAgent();
    const callback = await callbackFor(agent, "alice");
    agent.setCookie(prod.url, "cloudops_login", undefined);
    const answer = await agent.request(callback.href);
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain("login_expired");
  });

  it("shows a person without any CloudOps role a page that says so, with a sign-out", async () => {
    const agent = createAgent();
    const end = await agent.follow(`${prod.url}/auth/login`, { login: "nora" });
    expect(end.response?.status).toBe(403);
    expect(end.body).toContain("You have no CloudOps role");
    expect(end.body).toContain("nora@contoso.test");
    expect(end.body).toContain('href="/auth/logout"');
    const post = await agent.request(`${prod.url}/tasks/t_1/cancel`, { method: "POST" });
    expect(post.status).toBe(403);
  });

  it("signs out: the session is gone and the provider's end-session endpoint is next", async () => {
    const agent = await signedIn("olga");
    const out = await agent.request(`${prod.url}/auth/logout`, {
      headers: { "sec-fetch-site": "same-origin" },
    });
    expect(out.status).toBe(303);
    const next = new URL(out.headers.get("location") ?? "");
    expect(next.origin).toBe(prod.idp.issuer);
    expect(next.searchParams.get("post_logout_redirect_uri")).toBe(`${prod.url}/auth/signed-out`);
    expect(agent.cookie(prod.url, SESSION_COOKIE)).toBeUndefined();
    expect((await agent.request(`${prod.url}/`)).status).toBe(302);
  });

  it("refuses a cross-site sign-out", async () => {
    const agent = await signedIn("olga");
    const out = await agent.request(`${prod.url}/auth/logout`, {
      headers: { "sec-fetch-site": "cross-site" },
    });
    expect(out.status).toBe(403);
    expect(agent.cookie(prod.url, SESSION_COOKIE)).toBeDefined();
  });
});

describe("dashboard sessions", () => {
  const olga = { id: "olga@contoso.test", name: "Olga Operator", role: "operator" as const };
  const visit = (cookie: string, path = "/") =>
    fetch(`${prod.url}${path}`, { headers: { cookie: `${SESSION_COOKIE}=${cookie}` }, redirect: "manual" });

  it("accepts a session that was active within 8 hours of a sign-in less than 24 hours ago", async () => {
    const cookie = await sessions.issue(olga, { signedInAt: now() - 20 * 3600, seenAt: now() - 7 * 3600 });
    const res = await visit(cookie);
    expect(res.status).toBe(200);
    // The last-seen time moved on: a renewed cookie comes back.
    expect(res.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(true);
  });

  it("treats a session idle for more than 8 hours as signed out", async () => {
    const cookie = await sessions.issue(olga, {
      signedInAt: now() - 9 * 3600,
      seenAt: now() - 8 * 3600 - 60,
    });
    const res = await visit(cookie);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toMatch(/^\/auth\/login/);
  });

  it("treats a session older than 24 hours as signed out, however active", async () => {
    const cookie = await sessions.issue(olga, { signedInAt: now() - 24 * 3600 - 60, seenAt: now() - 60 });
    expect((await visit(cookie)).status).toBe(302);
  });

  it("treats a tampered session cookie as a signed-out visitor and clears it", async () => {
    const cookie = await sessions.issue(olga);
    const i = Math.floor(cookie.length / 2);
    const tampered = `${cookie.slice(0, i)}${cookie[i] === "A" ? "B" : "A"}${cookie.slice(i + 1)}`;
    const res = await visit(tampered);
    expect(res.status).toBe(302);
    expect(res.headers.getSetCookie().some((c) => /^cloudops_session=;.*Max-Age=0/i.test(c))).toBe(true);
    // A session sealed with another secret is no better.
    const forged = await createSessions("another-secret-that-is-long-enough-0123").issue({
      ...olga,
      role: "operator",
    });
    expect((await visit(forged)).status).toBe(302);
  });
});

describe("a public client (no client secret) at a provider without RP-initiated logout", () => {
  let publicSite: ProductionSite;
  beforeAll(async () => {
    publicSite = await startProductionSite(
      { OIDC_CLIENT_ID: TEST_PUBLIC_CLIENT_ID, OIDC_CLIENT_SECRET: "" },
      { rpInitiatedLogout: false },
    );
  }, 180_000);
  afterAll(async () => {
    await publicSite?.stop();
  });

  it("signs in with PKCE alone", async () => {
    const agent = createAgent();
    const end = await agent.follow(`${publicSite.url}/auth/login`, { login: "alice" });
    expect(end.url.href).toBe(`${publicSite.url}/`);
    expect(end.body).toContain("Alice Admin · admin");
  });

  it("signs out locally and lands on the signed-out page when the provider has no end-session endpoint", async () => {
    const agent = createAgent();
    await agent.follow(`${publicSite.url}/auth/login`, { login: "olga" });
    const out = await agent.request(`${publicSite.url}/auth/logout`, {
      method: "POST",
      headers: { origin: publicSite.url },
    });
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/auth/signed-out");
    expect(agent.cookie(publicSite.url, SESSION_COOKIE)).toBeUndefined();
  });
});
