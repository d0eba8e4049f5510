import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath, launchChromium, screenshot } from "../support/browser";
import { type SiteRuntime, startSiteRuntime } from "../support/site-runtime";

// Issue 15 in a real browser: one live connection shared by many tabs, a server restart survived,
// the API reference with the network cut off, names instead of ids, the phone layout, the run page
// and the live dead letters.
const inCi = process.env.CI === "true";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

async function textOf(locator: Locator, pattern: RegExp, timeout = 20_000): Promise<void> {
  await expect.poll(async () => (await locator.allInnerTexts()).join("\n"), { timeout }).toMatch(pattern);
}

/** A context whose pages may reach loopback only; every other request is aborted and recorded. */
async function loopbackOnly(browser: Browser, options: Parameters<Browser["newContext"]>[0] = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const blocked: string[] = [];
  await context.route("**/*", (route) => {
    if (LOOPBACK.has(new URL(route.request().url()).hostname)) return route.continue();
    blocked.push(route.request().url());
    return route.abort();
  });
  const errors: string[] = [];
  context.on("weberror", (e) => errors.push(e.error().message));
  return { context, blocked, errors };
}

async function stageOf(runtime: SiteRuntime): Promise<{ projectId: string; envId: string }> {
  const shop = await runtime.runtime.stores.projects.byName("shop");
  const env = (await runtime.runtime.stores.environments.listByProject(shop?.id ?? "")).find(
    (e) => e.name === "stage",
  );
  return { projectId: env?.projectId ?? "", envId: env?.id ?? "" };
}

describe.skipIf(!chromiumPath && !inCi)("the live dashboard in a browser", { timeout: 240_000 }, () => {
  let site: SiteRuntime;
  let browser: Browser;
  let stage = { projectId: "", envId: "" };

  beforeAll(async () => {
    site = await startSiteRuntime({ DEMO_STEP_DELAY_MS: "150", NOTIFY_ALLOWED_HOSTS: "127.0.0.1" });
    browser = await launchChromium();
    const shop = await site.runtime.stores.projects.byName("shop");
    const env = (await site.runtime.stores.environments.listByProject(shop?.id ?? "")).find(
      (e) => e.name === "stage",
    );
    stage = { projectId: env?.projectId ?? "", envId: env?.id ?? "" };
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await site?.stop();
  });

  async function api(path: string, body: unknown): Promise<string> {
    const response = await fetch(`${site.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": `b-${Date.now()}-${Math.random()}` },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { taskId: string }).taskId;
  }
  // Workloads the demo cluster simulator knows (it answers 404 for others).
  const restart = (name: "api" | "web") => api(`/api/k8s/workloads/prod/${name}:restart`, {});
  const deploy = (extra: Record<string, unknown> = {}) =>
    api("/api/deployments", { ...stage, templateId: "web-app", params: {}, ...extra });
  async function statusOf(id: string): Promise<string | undefined> {
    return (await site.runtime.stores.tasks.get(id))?.status;
  }
  async function until(id: string, status: string): Promise<void> {
    await expect.poll(() => statusOf(id), { timeout: 60_000 }).toBe(status);
  }

  it("keeps ten tabs live and navigable over one shared connection", async () => {
    const { context, errors } = await loopbackOnly(browser);
    let streams = 0;
    context.on("request", (r) => {
      if (new URL(r.url()).pathname === "/live/events") streams++;
    });
    const running = await restart("api");
    const paths = [
      "/",
      "/tasks",
      `/tasks/${running}`,
      "/",
      "/tasks",
      `/tasks/${running}`,
      "/dlq",
      "/",
      "/tasks",
      "/",
    ];
    const pages: Page[] = [];
    for (const path of paths) {
      const page = await context.newPage();
      await page.goto(`${site.url}${path}`, { timeout: 30_000 });
      pages.push(page);
    }
    for (const page of pages) await textOf(page.locator("#live-status"), /^(Live|Finished)$/, 30_000);
    // One leader tab holds the stream (a reconnect may add one more request over time).
    expect(streams).toBeGreaterThanOrEqual(1);
    expect(streams).toBeLessThanOrEqual(2);
    const fresh = await restart("web");
    for (const [i, page] of pages.entries()) {
      if (paths[i] === "/" || paths[i] === "/tasks")
        await page.locator(`#row-${fresh} .chip-succeeded`).waitFor({ timeout: 30_000 });
    }
    // Still navigable: each tab opens another page at once (a seventh stream used to hang them).
    for (const page of pages) {
      const response = await page.goto(`${site.url}/projects`, { timeout: 15_000 });
      expect(response?.status()).toBe(200);
    }
    // The leader tab closes: another tab takes over the one connection and stays live.
    await pages[0]?.close();
    await pages[1]?.goto(`${site.url}/tasks`);
    await textOf(pages[1]?.locator("#live-status") as Locator, /^Live$/, 30_000);
    const after = await restart("api");
    await pages[1]?.locator(`#row-${after}`).waitFor({ timeout: 30_000 });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("serves /docs with the network to anything but loopback blocked, and Test request reaches this host", async () => {
    const { context, blocked } = await loopbackOnly(browser);
    const page = await context.newPage();
    // PUBLIC_URL names another host and port: the reference must call the one the page came from.
    const origin = site.url.replace("127.0.0.1", "localhost");
    await page.goto(`${origin}/docs`);
    await page.waitForFunction(() => document.querySelectorAll("#app *").length > 50, null, {
      timeout: 60_000,
    });
    expect(await page.evaluate(() => typeof (window as unknown as { Scalar?: unknown }).Scalar)).toBe(
      "object",
    );
    await page
      .getByRole("button", { name: /test request/i })
      .first()
      .click({ timeout: 30_000 });
    const answered = page.waitForResponse((r) => r.url().startsWith(origin) && r.url().includes("/api/"), {
      timeout: 30_000,
    });
    await page.getByRole("button", { name: /^send/i }).first().click({ timeout: 30_000 });
    expect((await answered).status()).toBe(200);
    await screenshot(page, "docs-offline");
    expect(blocked).toEqual([]);
    await context.close();
  });

  it("names tasks, entities and requesters, and finds tasks by those names", async () => {
    const id = await deploy();
    await until(id, "succeeded");
    const { context } = await loopbackOnly(browser);
    const page = await context.newPage();
    await page.goto(`${site.url}/tasks`);
    const row = page.locator(`#row-${id}`);
    await textOf(row, /Deploy web-app to shop\/stage/);
    expect(await row.locator("a.task-title").getAttribute("title")).toBe(id);
    expect(await row.locator(".entity").innerText()).toBe("shop/stage");
    expect(await row.locator(".entity").getAttribute("title")).toBe(stage.envId);
    expect(await row.innerText()).not.toContain(stage.envId);
    await page.locator("input[name=entity]").fill("shop/stage");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/entity=shop%2Fstage/);
    expect(await page.locator(`#row-${id}`).count()).toBe(1);
    expect(
      await page
        .locator("tbody tr.task-row")
        .evaluateAll((rows) => rows.every((r) => r.textContent?.includes("shop/stage"))),
    ).toBe(true);
    for (const [q, found] of [
      ["web-app", true],
      ["SHOP/STAGE", true],
      ["no-such-thing-anywhere", false],
    ] as const) {
      await page.goto(`${site.url}/tasks?q=${encodeURIComponent(q)}`);
      expect(await page.locator(`#row-${id}`).count(), q).toBe(found ? 1 : 0);
    }
    await page.goto(`${site.url}/tasks/${id}`);
    await textOf(page.locator("h1"), /^Deploy web-app to shop\/stage$/);
    expect(await page.title()).toContain("Deploy web-app to shop/stage");
    await context.close();
  });

  it("runs the failure-injection form as chosen and shows the run: attempts, payload, Finished", async () => {
    const { context, errors } = await loopbackOnly(browser);
    const page = await context.newPage();
    await page.goto(`${site.url}/actions/deploy`);
    const form = page.locator("#quick-form");
    await form.locator("select[name=target]").selectOption({ label: "shop / stage (stage)" });
    await form.locator("summary").click();
    await form.locator("select[name=failAt]").selectOption("plan");
    await form.locator("select[name=failMode]").selectOption("times");
    await form.locator("input[name=failTimes]").fill("2");
    await form.getByRole("button", { name: "Start" }).click();
    await page.waitForURL(/\/tasks\/tsk_[a-z0-9]+$/);
    const id = new URL(page.url()).pathname.split("/").pop() ?? "";
    const task = await site.runtime.stores.tasks.get(id);
    expect(task?.payload).toMatchObject({ failAt: "plan", failTimes: 2 });
    expect(task?.payload.failPermanently).toBeUndefined();
    await page.locator("#task-summary .chip-succeeded").waitFor({ timeout: 60_000 });
    await expect.poll(() => page.locator("#attempts .attempt").count(), { timeout: 20_000 }).toBe(3);
    expect(await page.locator("#attempts .attempt").first().innerText()).toMatch(/#1[\s\S]*then retried/);
    await textOf(page.locator("#live-status"), /^Finished$/);
    expect(await page.locator("#task-actions button").count()).toBe(0);
    await textOf(
      page.locator("section[aria-labelledby=request-title]"),
      /web-app[\s\S]*fails 2 time\(s\), then succeeds on retry/,
    );
    const title = page.locator("#attempts time").first();
    expect(await title.getAttribute("title")).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
    await screenshot(page, "run-page-retried");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("asks before Cancel and a prod deploy; a cancelled run is grey with its unfinished steps skipped", async () => {
    // Slow steps: a task queued behind another on the same environment stays cancellable long enough.
    const slow = await startSiteRuntime({ DEMO_STEP_DELAY_MS: "3000" });
    const { context, errors } = await loopbackOnly(browser);
    const page = await context.newPage();
    const post = async () => {
      const response = await fetch(`${slow.url}/api/deployments`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": `slow-${Math.random()}` },
        body: JSON.stringify({ ...(await stageOf(slow)), templateId: "web-app", params: {} }),
      });
      return ((await response.json()) as { taskId: string }).taskId;
    };
    const blocker = await post();
    const id = await post();
    await page.goto(`${slow.url}/tasks/${id}`);
    const questions: string[] = [];
    page.once("dialog", (d) => {
      questions.push(d.message());
      void d.dismiss();
    });
    await page.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => questions.length).toBe(1);
    expect(questions[0]).toMatch(/^Cancel “Deploy web-app to shop\/stage”\?/);
    expect((await slow.runtime.stores.tasks.get(id))?.status).toBe("queued");
    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.locator("#task-summary .chip-cancelled").waitFor({ timeout: 30_000 });
    const grey = await page
      .locator("#task-summary .chip-cancelled")
      .evaluate((el) => getComputedStyle(el).color);
    const muted = await page.evaluate(() => {
      const probe = document.createElement("span");
      probe.className = "muted";
      document.body.append(probe);
      return getComputedStyle(probe).color;
    });
    expect(grey).toBe(muted);
    await expect
      .poll(() => page.locator("#timeline .step-skipped").count(), { timeout: 20_000 })
      .toBeGreaterThan(0);
    expect(await page.locator("#timeline .step-pending, #timeline .step-running").count()).toBe(0);
    await textOf(page.locator("#activity"), /Cancelled by dashboard-user/);
    await textOf(page.locator("#live-status"), /^Finished$/);
    expect((await slow.runtime.stores.tasks.get(blocker))?.status).not.toBe("cancelled");

    // A deploy to a prod environment asks first; declining stays on the form.
    await page.goto(`${slow.url}/actions/deploy`);
    await page.locator("#quick-form select[name=target]").selectOption({ label: "shop / prod (prod)" });
    page.once("dialog", (d) => {
      questions.push(d.message());
      void d.dismiss();
    });
    await page.getByRole("button", { name: "Start" }).click();
    await expect.poll(() => questions.length).toBe(2);
    expect(questions[1]).toMatch(/prod environment shop\/prod/);
    expect(new URL(page.url()).pathname).toBe("/actions/deploy");
    expect(errors).toEqual([]);
    await context.close();
    await slow.stop();
  });

  it("shows new dead letters live, retries and skips in bulk, and a skipped task reads Skipped", async () => {
    const { context, errors } = await loopbackOnly(browser);
    const page = await context.newPage();
    await page.goto(`${site.url}/dlq`);
    await textOf(page.locator("#live-status"), /^Live$/);
    const failing = () => deploy({ failAt: "validate", failPermanently: true });
    const first = [await failing(), await failing()];
    for (const id of first)
      await page.locator(`#dlq-body a[href="/tasks/${id}"]`).waitFor({ timeout: 30_000 });
    for (const id of first)
      await page
        .locator("tr", { has: page.locator(`a[href="/tasks/${id}"]`) })
        .locator("input[type=checkbox]")
        .check();
    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Skip selected" }).click();
    await textOf(page.locator("[role=status]"), /2 skipped/);
    for (const id of first) expect(await page.locator(`#dlq-body a[href="/tasks/${id}"]`).count()).toBe(0);

    const second = [await failing(), await failing()];
    for (const id of second)
      await page.locator(`#dlq-body a[href="/tasks/${id}"]`).waitFor({ timeout: 30_000 });
    for (const id of second)
      await page
        .locator("tr", { has: page.locator(`a[href="/tasks/${id}"]`) })
        .locator("input[type=checkbox]")
        .check();
    await page.getByRole("button", { name: "Retry selected" }).click();
    await textOf(page.locator("[role=status]"), /2 retried/);

    await page.goto(`${site.url}/tasks/${first[0]}`);
    await page.locator("#task-summary .chip-skipped").waitFor();
    await textOf(page.locator("#task-summary"), /skipped by dashboard-user/);
    await textOf(page.locator("#activity"), /Skipped by dashboard-user/);

    // The home Failed card counts what its link lists.
    for (const id of second) await until(id, "failed");
    await page.goto(`${site.url}/dlq`);
    const listed = await page.locator("#dlq-body tr[id^=dl-dlq_]").count();
    await page.goto(`${site.url}/`);
    expect(await page.locator("[data-stat=failed]").innerText()).toBe(String(listed));
    expect(await page.locator("[data-stat=failed]").locator("xpath=../p/a").getAttribute("href")).toBe(
      "/dlq",
    );
    expect(errors).toEqual([]);
    await context.close();
  });

  it("puts form errors on their field in plain words, offers notifyOn, and shows each route's real outcome", async () => {
    const { context, errors } = await loopbackOnly(browser);
    const page = await context.newPage();
    await page.goto(`${site.url}/settings`);
    const section = page.locator("section[data-project=shop]");
    await section.locator("input[name=emailList]").fill("oncall@contoso.com, not-an-address");
    await section.getByRole("button", { name: "Save" }).click();
    const emails = page.locator("section[data-project=shop] input[name=emailList]");
    await expect.poll(() => emails.getAttribute("aria-invalid")).toBe("true");
    const describedBy = (await emails.getAttribute("aria-describedby")) ?? "";
    expect(await page.locator(`[id="${describedBy}"]`).innerText()).toContain(
      "“not-an-address” is not an email address.",
    );
    expect(await section.innerText()).not.toMatch(/emailList\.\d/);
    expect(await emails.inputValue()).toBe("oncall@contoso.com, not-an-address");

    // notifyOn: choose only failures, save, and see it kept after a reload.
    await section.locator("input[name=emailList]").fill("oncall@contoso.com");
    for (const box of await section.locator("input[name=notifyOn]").all()) await box.uncheck();
    await section.getByRole("checkbox", { name: "A task fails" }).check();
    // A webhook nobody answers: the test must say that route failed, not "sent" in green.
    await section.locator("input[name=teamsWebhookUrl]").fill("http://127.0.0.1:9/closed");
    await section.getByRole("button", { name: "Save" }).click();
    await textOf(page.locator("section[data-project=shop] [aria-live]"), /Saved\./);
    await page.reload();
    const checked = await page
      .locator("section[data-project=shop] input[name=notifyOn]:checked")
      .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    expect(checked).toEqual(["failed"]);
    await page
      .locator("section[data-project=shop]")
      .getByRole("button", { name: "Send test notification" })
      .click();
    const result = page.locator("section[data-project=shop] [aria-live] .alert");
    await textOf(result, /route.? failed/);
    expect(await result.getAttribute("class")).toContain("alert-error");
    await textOf(result, /teams → 127\.0\.0\.1[^:]*: failed/);
    await screenshot(page, "settings-route-failed");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("fits a 390 px phone: nothing scrolls sideways, the menu folds, dead-letter actions are on screen", async () => {
    const failed = await deploy({ failAt: "validate", failPermanently: true });
    await until(failed, "failed");
    const { context, errors } = await loopbackOnly(browser, {
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    for (const path of [
      "/",
      "/tasks",
      `/tasks/${failed}`,
      "/dlq",
      "/settings",
      "/projects",
      "/cost",
      "/chat",
      "/actions/deploy",
    ]) {
      await page.goto(`${site.url}${path}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${path} scrolls sideways by ${overflow}px`).toBeLessThanOrEqual(0);
      const header = await page.locator("header").boundingBox();
      expect(header?.height ?? 999, `${path} header height`).toBeLessThan(844 * 0.2);
    }
    await page.goto(`${site.url}/dlq`);
    const row = page.locator("tr", { has: page.locator(`a[href="/tasks/${failed}"]`) });
    for (const name of ["Retry", "Skip"]) {
      const box = await row.getByRole("button", { name, exact: true }).boundingBox();
      expect(box, name).not.toBeNull();
      expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(390);
    }
    await screenshot(page, "phone-dlq");
    expect(await page.locator(".nav-links").isVisible()).toBe(false);
    await page.getByRole("button", { name: "Menu" }).click();
    await page.locator(".nav-links").waitFor({ state: "visible" });
    await page.goto(`${site.url}/chat`);
    const input = await page.locator("#chat-input").boundingBox();
    expect((input?.y ?? 9999) + (input?.height ?? 0)).toBeLessThanOrEqual(844);
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe.skipIf(!chromiumPath && !inCi)("a server restart while a page is open", { timeout: 240_000 }, () => {
  let browser: Browser;
  let context: BrowserContext;
  const sites: SiteRuntime[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    for (const s of sites) await s.stop().catch(() => undefined);
  });

  it("marks the page stale while the server is down, reconnects by itself and re-syncs", async () => {
    const first = await startSiteRuntime();
    sites.push(first);
    const port = Number(new URL(first.url).port);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${first.url}/tasks`);
    await textOf(page.locator("#live-status"), /^Live$/);
    await first.stop();
    sites.pop();
    await page.waitForFunction(() => document.documentElement.dataset.live === "stale", null, {
      timeout: 30_000,
    });
    await textOf(page.locator("#live-status"), /Reconnecting… shown as of .* may be out of date/);
    // Down for a while (several backoff rounds), then back on the same port.
    await new Promise((r) => setTimeout(r, 8000));
    const second = await startSiteRuntime({}, { port });
    sites.push(second);
    await textOf(page.locator("#live-status"), /^Live$/, 60_000);
    expect(await page.evaluate(() => document.documentElement.dataset.live)).toBe("live");
    const response = await fetch(`${second.url}/api/k8s/workloads/prod/web:restart`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": `restart-${Date.now()}` },
      body: "{}",
    });
    const { taskId } = (await response.json()) as { taskId: string };
    await page.locator(`#row-${taskId}`).waitFor({ timeout: 30_000 });
  });
});
