import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath, launchChromium, openPage, screenshot, waitForHtmx } from "../support/browser";
import { type ProductionSite, startProductionSite } from "../support/production-site";

// Production mode in Chromium: the real sign-in flow through an OpenID provider, a deploy as an
// operator, a viewer refused, sign-out, and the dashboard asking for sign-in again.
const inCi = process.env.CI === "true";
if (!chromiumPath && !inCi) {
  console.warn("[browser tests] SKIPPED: /usr/bin/chromium is missing (apt-get install -y chromium)");
}

describe.skipIf(!chromiumPath && !inCi)("production sign-in in a browser", { timeout: 120_000 }, () => {
  let prod: ProductionSite;
  let browser: Browser;

  beforeAll(async () => {
    prod = await startProductionSite({ DEMO_STEP_DELAY_MS: "100" });
    const { stores } = prod.site.runtime;
    const project = await stores.projects.create({ name: "shop" });
    await stores.environments.create(project.id, { name: "prod", type: "prod" });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await prod?.stop();
  });

  /** From any dashboard URL through the provider's login form back to that URL. */
  async function signIn(page: Page, login: string, path = "/"): Promise<void> {
    await page.goto(`${prod.url}${path}`);
    // The dashboard sent the browser to the provider's login page.
    expect(page.url().startsWith(prod.idp.issuer)).toBe(true);
    await page.fill("input[name=login]", login);
    await page.fill("input[name=password]", "any");
    await page.click("button[type=submit]");
    await page.waitForURL(`${prod.url}${path}`);
  }

  async function openDeployForm(page: Page) {
    await waitForHtmx(page);
    await page.click("a[data-quick=deploy]");
    const form = page.locator("#quick-panel #quick-form");
    await form.waitFor();
    await form.locator("select[name=target]").selectOption({ label: "shop / prod (prod)" });
    await form.locator("select[name=templateId]").selectOption("web-app");
    return form;
  }

  it("signs in, deploys as an operator, signs out and is asked to sign in again", async () => {
    const { page, errors, close } = await openPage(browser);
    await signIn(page, "olga");
    await expect
      .poll(() => page.locator("[data-signed-in]").innerText())
      .toContain("Olga Operator · operator");
    await screenshot(page, "signed-in-home");

    const form = await openDeployForm(page);
    // A deploy to a prod environment asks first (issue 15): say yes.
    page.once("dialog", (dialog) => void dialog.accept());
    await form.getByRole("button", { name: "Start" }).click();
    await page.waitForURL(/\/tasks\/tsk_/);
    const taskId = page.url().split("/").pop() ?? "";
    const task = await prod.site.runtime.stores.tasks.get(taskId);
    expect(task?.requestedBy).toBe("olga@contoso.test");

    await page.click("a[data-sign-out]");
    // The provider asks to confirm ending its own session too (RP-initiated logout).
    await page.getByRole("button", { name: "Yes, sign me out" }).click();
    await page.waitForURL(`${prod.url}/auth/signed-out`);
    await expect.poll(() => page.locator("h1").innerText()).toBe("You are signed out");

    await page.goto(`${prod.url}/tasks`);
    expect(page.url().startsWith(prod.idp.issuer)).toBe(true);
    expect(await page.locator("input[name=login]").count()).toBe(1);
    expect(errors.filter((e) => e.startsWith(prod.url))).toEqual([]);
    await close();
  });

  it("shows a viewer the deploy disabled and refuses it when they submit anyway", async () => {
    const { page, close } = await openPage(browser);
    await signIn(page, "vera");
    const before = (await prod.site.runtime.stores.tasks.list()).items.length;
    const form = await openDeployForm(page);
    const start = form.getByRole("button", { name: "Start" });
    expect(await start.isDisabled()).toBe(true);
    await start.evaluate((button) => button.removeAttribute("disabled"));
    page.once("dialog", (dialog) => void dialog.accept());
    await start.click();
    await expect
      .poll(() => page.locator("#quick-panel .alert-error").allInnerTexts(), { timeout: 15_000 })
      .toEqual([expect.stringMatching(/operator role/)]);
    await screenshot(page, "viewer-refused");
    expect((await prod.site.runtime.stores.tasks.list()).items.length).toBe(before);
    await close();
  });
});
