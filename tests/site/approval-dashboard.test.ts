import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ProductionSite, startProductionSite } from "../support/production-site";
import { type Agent, createAgent } from "../support/sign-in-agent";

// Two-person approval on the dashboard, production mode: real sign-in (OpenID provider on loopback),
// sessions, CSRF, and deploys against the Kubernetes API server double. The task page shows the
// plan with its sha256; Approve and Reject are forms that respect the signed-in person's role.

let prod: ProductionSite;
let projectId = "";
let envId = "";

beforeAll(async () => {
  prod = await startProductionSite({ DEMO_STEP_DELAY_MS: "50" });
  const { stores } = prod.site.runtime;
  projectId = (await stores.projects.create({ name: "shop" })).id;
  envId = (await stores.environments.create(projectId, { name: "prod", type: "prod" })).id;
}, 180_000);
afterAll(async () => prod?.stop());

async function signedIn(login: string): Promise<Agent> {
  const agent = createAgent();
  const end = await agent.follow(`${prod.url}/auth/login`, { login });
  expect(end.url.href).toBe(`${prod.url}/`);
  return agent;
}

const csrfIn = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";

function form(fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: prod.url, ...headers },
    body: new URLSearchParams(fields).toString(),
  };
}

async function waitForStatus(taskId: string, statuses: string[]) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const task = await prod.site.runtime.stores.tasks.get(taskId);
    if (task && statuses.includes(task.status)) return task;
    if (Date.now() > deadline) throw new Error(`task ${taskId} is ${task?.status}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function deployAs(agent: Agent, key: string): Promise<string> {
  const page = await (await agent.request(`${prod.url}/actions/deploy`)).text();
  const res = await agent.request(
    `${prod.url}/actions/deploy`,
    form({
      _csrf: csrfIn(page),
      target: `${projectId}|${envId}`,
      templateId: "web-app",
      idempotencyKey: key,
    }),
  );
  expect(res.status).toBe(303);
  return (res.headers.get("location") ?? "").split("/").pop() ?? "";
}

/** The approve form's fields as the page rendered them (CSRF, idempotency key, plan checksum). */
function approveFields(page: string): Record<string, string> {
  const formHtml =
    /<form method="post" action="\/tasks\/[^/]+\/approve"[\s\S]*?<\/form>/.exec(page)?.[0] ?? "";
  const value = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(formHtml)?.[1] ?? "";
  return { _csrf: value("_csrf"), idempotencyKey: value("idempotencyKey"), planSha256: value("planSha256") };
}

describe("approval on the task page", () => {
  it("shows the plan and its sha256, refuses the requester and a viewer, and runs once an admin approves", async () => {
    const olga = await signedIn("olga");
    const taskId = await deployAs(olga, "olga-approval-1");
    const waiting = await waitForStatus(taskId, ["awaiting_approval"]);
    const sha = waiting.approval?.planSha256 ?? "";

    // The home page says which lane stands still and why.
    const home = await (await olga.request(`${prod.url}/`)).text();
    expect(home).toContain('id="approvals"');
    expect(home).toMatch(
      new RegExp(
        `${taskId}</a> on <span class="mono">${envId}</span>: awaiting approval, requested by olga@contoso.test`,
      ),
    );

    const olgaPage = await (await olga.request(`${prod.url}/tasks/${taskId}`)).text();
    expect(olgaPage).toContain('id="plan"');
    expect(olgaPage).toContain(`sha256 ${sha}`);
    expect(olgaPage).toContain("file matches");
    expect(olgaPage).toContain("+ Deployment shop-prod/shop");
    expect(olgaPage).toContain("Awaiting approval");
    expect(olgaPage).toMatch(
      /<button class="btn btn-primary" type="submit" disabled title="You requested this task/,
    );
    // The requester may still call it off.
    expect(olgaPage).toMatch(
      new RegExp(
        `action="/tasks/${taskId}/cancel"[^>]*>[\\s\\S]*?<button class="btn btn-danger" type="submit">Cancel</button>`,
      ),
    );
    // Posting anyway: the API refuses, the page says why, nothing changes.
    const self = await olga.request(`${prod.url}/tasks/${taskId}/approve`, form(approveFields(olgaPage)));
    expect(self.status).toBe(403);
    expect(await self.text()).toContain("self_approval_forbidden");

    const vera = await signedIn("vera");
    const veraPage = await (await vera.request(`${prod.url}/tasks/${taskId}`)).text();
    expect(veraPage).toContain(`sha256 ${sha}`);
    expect(veraPage).toMatch(/type="submit" disabled title="Approving needs the operator or admin role/);
    const viewer = await vera.request(`${prod.url}/tasks/${taskId}/approve`, form(approveFields(veraPage)));
    expect(viewer.status).toBe(403);
    expect(await viewer.text()).toContain("forbidden");
    expect((await prod.site.runtime.stores.tasks.get(taskId))?.status).toBe("awaiting_approval");

    // A form without its CSRF token is refused before it reaches the API.
    const alice = await signedIn("alice");
    const alicePage = await (await alice.request(`${prod.url}/tasks/${taskId}`)).text();
    const fields = approveFields(alicePage);
    expect(fields.planSha256).toBe(sha);
    const forged = await alice.request(
      `${prod.url}/tasks/${taskId}/approve`,
      form({ ...fields, _csrf: "forged" }),
    );
    expect(forged.status).toBe(403);
    expect((await prod.site.runtime.stores.tasks.get(taskId))?.approval?.decision).toBeNull();

    const approved = await alice.request(
      `${prod.url}/tasks/${taskId}/approve`,
      form({ ...fields, comment: "Reviewed the diff" }, { "hx-request": "true" }),
    );
    expect(approved.status).toBe(200);
    expect(approved.headers.get("hx-redirect")).toBe(`/tasks/${taskId}`);
    const done = await waitForStatus(taskId, ["succeeded", "failed"]);
    expect(done.status).toBe("succeeded");
    const after = await (await olga.request(`${prod.url}/tasks/${taskId}`)).text();
    expect(after).toContain('data-approval="approved"');
    expect(after).toContain("Approved by alice@contoso.test");
    expect(after).toContain("Reviewed the diff");
    expect(after).not.toContain(`action="/tasks/${taskId}/approve"`);
    expect(await (await olga.request(`${prod.url}/`)).text()).not.toContain('id="approvals"');
    const audit = await prod.site.runtime.stores.audit.recent(50);
    expect(audit).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: "task.approve",
          actor: "alice@contoso.test",
          outcome: "accepted",
          source: "site",
        }),
        expect.objectContaining({ action: "task.approve", actor: "olga@contoso.test", outcome: "denied" }),
      ]),
    );
  }, 120_000);

  it("fills the plan section in live when the task starts waiting, with the buttons", async () => {
    const olga = await signedIn("olga");
    const alice = await signedIn("alice");
    const taskId = await deployAs(olga, "olga-approval-live");
    let partial = "";
    // The run page refreshes its sections from /live/tasks/{id} after every event of the task (one
    // shared live connection per browser): once the task waits, that refresh carries the plan slot.
    await waitForStatus(taskId, ["awaiting_approval"]);
    try {
      const refresh = await alice.request(`${prod.url}/live/tasks/${taskId}`);
      expect(refresh.status).toBe(200);
      const body = await refresh.text();
      const slot = /<template data-target="#plan-slot" data-swap="inner">([\s\S]*?)<\/template>/.exec(body);
      partial = slot?.[1] ?? "";
    } finally {
      await prod.site.runtime.tasks.reject(taskId, { id: "alice@contoso.test" }).catch(() => undefined);
    }
    const task = await prod.site.runtime.stores.tasks.get(taskId);
    expect(partial).toContain(`sha256 ${task?.approval?.planSha256}`);
    expect(partial).toMatch(
      /<button class="btn btn-primary" type="submit" title="Run exactly this plan">Approve<\/button>/,
    );
  }, 120_000);

  it("rejects from the page with a comment", async () => {
    const olga = await signedIn("olga");
    const taskId = await deployAs(olga, "olga-approval-2");
    await waitForStatus(taskId, ["awaiting_approval"]);
    const alice = await signedIn("alice");
    const page = await (await alice.request(`${prod.url}/tasks/${taskId}`)).text();
    const rejected = await alice.request(
      `${prod.url}/tasks/${taskId}/reject`,
      form({ ...approveFields(page), comment: "Freeze week" }),
    );
    expect(rejected.status).toBe(303);
    const task = await waitForStatus(taskId, ["cancelled"]);
    expect(task.error).toMatchObject({ code: "approval_rejected" });
    const after = await (await alice.request(`${prod.url}/tasks/${taskId}`)).text();
    expect(after).toContain("Rejected by alice@contoso.test");
    expect(after).toContain("Freeze week");
  }, 120_000);
});
