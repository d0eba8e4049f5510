import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ProductionSite, startProductionSite } from "../support/production-site";
import { type Agent, createAgent } from "../support/sign-in-agent";

// Production mode: nothing of the dashboard without a session, the role is the ID token's, and the
// API hears the signed-in person.

let prod: ProductionSite;
let projectId = "";
let envId = "";
let queuedTaskId = "";
beforeAll(async () => {
  prod = await startProductionSite({ DEMO_STEP_DELAY_MS: "200" });
  const { stores, tasks } = prod.site.runtime;
  const project = await stores.projects.create({ name: "shop" });
  const env = await stores.environments.create(project.id, { name: "prod", type: "prod" });
  projectId = project.id;
  envId = env.id;
  const { task } = await tasks.submit({
    type: "k8s.restart",
    entityId: "prod/untouched",
    payload: { namespace: "prod", name: "untouched" },
    requestedBy: "setup",
    source: "api",
  });
  queuedTaskId = task.id;
}, 180_000);
afterAll(async () => {
  await prod?.stop();
});

async function signedIn(login: string): Promise<Agent> {
  const agent = createAgent();
  const end = await agent.follow(`${prod.url}/auth/login`, { login });
  expect(end.url.href).toBe(`${prod.url}/`);
  return agent;
}

/** The CSRF token of a dashboard page (the agent keeps the cookie that goes with it). */
async function csrfOf(agent: Agent, path: string): Promise<string> {
  const res = await agent.request(`${prod.url}${path}`);
  const body = await res.text();
  return /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? "";
}

function form(fields: Record<string, string>): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: prod.url },
    body: new URLSearchParams(fields).toString(),
  };
}

const taskCount = async () => (await prod.site.runtime.stores.tasks.list()).items.length;
const projectNames = async () => (await prod.site.runtime.stores.projects.list()).map((p) => p.name);

describe("the dashboard without a session", () => {
  it("answers every form post with 401 and changes nothing", async () => {
    const before = { tasks: await taskCount(), projects: await projectNames() };
    const posts: Array<[string, Record<string, string>]> = [
      ["/actions/deploy", { target: `${projectId}|${envId}`, templateId: "web-app" }],
      ["/actions/sandbox", { projectId, ttlMinutes: "30" }],
      ["/actions/restart", { target: "prod/api" }],
      ["/actions/backup", { engine: "postgres", instanceId: "shop-prod-db" }],
      ["/actions/restore", { engine: "postgres", instanceId: "shop-prod-db", artifactId: "a", target: "x" }],
      [`/tasks/${queuedTaskId}/cancel`, {}],
      [`/tasks/${queuedTaskId}/retry`, {}],
      ["/dlq/dl_1/retry", {}],
      ["/dlq/dl_1/skip", {}],
      ["/projects", { intent: "create", name: "anonymous" }],
      ["/settings", { intent: "save", projectId, teamsWebhookUrl: "", emailList: "x@evil.test" }],
      ["/settings", { intent: "role", role: "admin" }],
    ];
    for (const [path, fields] of posts) {
      const res = await fetch(`${prod.url}${path}`, {
        ...form({ _csrf: "x", ...fields }),
        redirect: "manual",
      });
      expect(res.status, `POST ${path}`).toBe(401);
      expect(res.headers.getSetCookie().some((c) => c.startsWith("cloudops_role="))).toBe(false);
    }
    expect(await taskCount()).toBe(before.tasks);
    expect(await projectNames()).toEqual(before.projects);
    const task = await prod.site.runtime.stores.tasks.get(queuedTaskId);
    expect(task?.status).not.toBe("cancelled");
  });

  it("answers fragments and live streams with 401", async () => {
    const fragment = await fetch(`${prod.url}/actions/deploy`, {
      headers: { "hx-request": "true" },
      redirect: "manual",
    });
    expect(fragment.status).toBe(401);
    const stream = await fetch(`${prod.url}/live/tasks`, {
      headers: { accept: "text/event-stream" },
      redirect: "manual",
    });
    expect(stream.status).toBe(401);
    const taskStream = await fetch(`${prod.url}/live/tasks/${queuedTaskId}`, { redirect: "manual" });
    expect(taskStream.status).toBe(401);
  });

  it("sends every page to sign in", async () => {
    for (const path of [
      "/",
      "/tasks",
      `/tasks/${queuedTaskId}`,
      "/projects",
      "/dlq",
      "/settings",
      "/cost",
      "/actions/deploy",
    ]) {
      const res = await fetch(`${prod.url}${path}`, { redirect: "manual" });
      expect(res.status, path).toBe(302);
      expect(res.headers.get("location")).toBe(`/auth/login?returnTo=${encodeURIComponent(path)}`);
    }
  });

  it("answers a sub-resource fetch (image, favicon) with 401 instead of starting a sign-in", async () => {
    const res = await fetch(`${prod.url}/favicon.ico`, {
      headers: { "sec-fetch-dest": "image" },
      redirect: "manual",
    });
    expect(res.status).toBe(401);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("cloudops_login="))).toBe(false);
  });

  it("does not serve /chat at all", async () => {
    expect((await fetch(`${prod.url}/chat`, { redirect: "manual" })).status).toBe(404);
  });
});

describe("the dashboard as a signed-in person", () => {
  it("does not serve /chat either", async () => {
    const agent = await signedIn("alice");
    expect((await agent.request(`${prod.url}/chat`)).status).toBe(404);
  });

  it("deploys as an operator, and the task and the audit log name that person", async () => {
    const agent = await signedIn("olga");
    const token = await csrfOf(agent, "/actions/deploy");
    const res = await agent.request(
      `${prod.url}/actions/deploy`,
      form({
        _csrf: token,
        target: `${projectId}|${envId}`,
        templateId: "web-app",
        idempotencyKey: "olga-deploy-1",
      }),
    );
    expect(res.status).toBe(303);
    const taskId = (res.headers.get("location") ?? "").split("/").pop() ?? "";
    const task = await prod.site.runtime.stores.tasks.get(taskId);
    expect(task?.requestedBy).toBe("olga@contoso.test");
    const audit = await prod.site.runtime.stores.audit.recent(20);
    const row = audit.find((r) => r.outcome === "accepted" && r.actor === "olga@contoso.test");
    expect(row).toMatchObject({ role: "operator", source: "site" });
    expect(audit.some((r) => r.actor === "dashboard-user")).toBe(false);
  });

  it("shows a viewer the actions disabled and answers their post with the API's 403, creating nothing", async () => {
    const agent = await signedIn("vera");
    const page = await (await agent.request(`${prod.url}/actions/deploy`)).text();
    expect(page).toMatch(/<button class="btn btn-primary" type="submit" disabled>Start<\/button>/);
    const token = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
    const before = await taskCount();
    const res = await agent.request(
      `${prod.url}/actions/deploy`,
      form({
        _csrf: token,
        target: `${projectId}|${envId}`,
        templateId: "web-app",
        idempotencyKey: "vera-deploy-1",
      }),
    );
    expect(res.status).toBe(422);
    const body = await res.text();
    expect(body).toContain('class="alert alert-error"');
    expect(body).toContain("forbidden");
    expect(await taskCount()).toBe(before);
    const audit = await prod.site.runtime.stores.audit.recent(5);
    expect(audit[0]).toMatchObject({ actor: "vera@contoso.test", role: "viewer", outcome: "denied" });
  });

  it("ignores the cloudops_role cookie and offers no role switch", async () => {
    const agent = await signedIn("vera");
    agent.setCookie(prod.url, "cloudops_role", "admin");
    const settings = await (await agent.request(`${prod.url}/settings`)).text();
    expect(settings).not.toContain("Demo role");
    expect(settings).toContain("Vera Viewer · viewer");
    const token = /name="_csrf" value="([^"]+)"/.exec(settings)?.[1] ?? "";
    const switched = await agent.request(
      `${prod.url}/settings`,
      form({ _csrf: token, intent: "role", role: "admin" }),
    );
    expect(switched.headers.getSetCookie().some((c) => c.startsWith("cloudops_role="))).toBe(false);
    const created = await agent.request(
      `${prod.url}/projects`,
      form({ _csrf: token, intent: "create", name: "by-role-cookie", idempotencyKey: "role-cookie-1" }),
    );
    expect(created.status).toBe(422);
    expect(await projectNames()).not.toContain("by-role-cookie");
  });
});
