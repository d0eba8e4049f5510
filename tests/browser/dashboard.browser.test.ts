import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath, launchChromium, openPage, screenshot, waitForHtmx } from "../support/browser";
import { SITE_MODES, type SiteUnderTest, startSiteInMode } from "../support/site-modes";
import { submitStageDeploy } from "../support/stage-deploy";

// Browser flows over the whole process: quick action → live task page, failure → DLQ → retry,
// settings + test notification, the Teams emulator chat, and no console errors anywhere. In demo mode
// and behind real sign-in (DEMO_MODE=false: the browser holds an admin's session; no /chat, no role
// switch, no failure injection there).
const inCi = process.env.CI === "true";
if (!chromiumPath && !inCi) {
  console.warn("[browser tests] SKIPPED: /usr/bin/chromium is missing (apt-get install -y chromium)");
}

/** Waits until the locator's text matches (playwright-core has no expect of its own). */
async function textOf(locator: Locator, pattern: string | RegExp, timeout = 15_000): Promise<void> {
  const re =
    typeof pattern === "string" ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : pattern;
  await expect.poll(async () => (await locator.allInnerTexts()).join("\n"), { timeout }).toMatch(re);
}

describe.skipIf(!chromiumPath && !inCi).each(SITE_MODES)(
  "dashboard in a browser (%s mode)",
  { timeout: 120_000 },
  (mode) => {
    let site: SiteUnderTest;
    let browser: Browser;
    let hook: Server;
    const hookCalls: string[] = [];

    beforeAll(async () => {
      hook = createServer((req, res) => {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
          hookCalls.push(body);
          res.writeHead(200).end("1");
        });
      });
      await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
      site = await startSiteInMode(mode, { NOTIFY_ALLOWED_HOSTS: "127.0.0.1" });
      browser = await launchChromium();
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await site?.stop();
      await new Promise((r) => hook?.close(r));
    });

    async function startDeploy(page: Page, failAt?: string): Promise<string> {
      await page.goto(`${site.url}/`);
      await waitForHtmx(page);
      await page.click("a[data-quick=deploy]");
      const form = page.locator("#quick-panel #quick-form");
      await form.waitFor();
      await form.locator("select[name=target]").selectOption({ label: "shop / stage (stage)" });
      await form.locator("select[name=templateId]").selectOption("web-app");
      if (failAt) {
        await form.locator("summary").click();
        await form.locator("select[name=failAt]").selectOption(failAt);
        // For good: straight to the dead letters (the form sends what is chosen; see live-dashboard).
        await form.locator("select[name=failMode]").selectOption("permanent");
      }
      if (!failAt) await screenshot(page, "quick-deploy");
      await form.getByRole("button", { name: "Start" }).click();
      // Either the task page opens, or the form shows the API's problem: fail with its text then.
      const landed = page.waitForURL(/\/tasks\/tsk_[a-z0-9]+$/).then(() => null);
      const refused = page
        .locator("#quick-error .alert-error")
        .waitFor()
        .then(() => page.locator("#quick-error").innerText())
        .catch(() => null);
      const problem = await Promise.race([landed, refused]);
      if (problem) throw new Error(`the deploy form showed a problem instead of the task page: ${problem}`);
      return new URL(page.url()).pathname.split("/").pop() ?? "";
    }

    it("deploys from the quick action and watches the steps finish without reloading", async () => {
      const { page, errors, close } = await openPage(browser, "dark", site.cookies);
      const taskId = await startDeploy(page);
      expect(taskId).toMatch(/^tsk_/);
      await page.evaluate(() => {
        (window as unknown as { stayed: boolean }).stayed = true;
      });
      await page.locator("#task-summary .chip-succeeded").waitFor({ timeout: 30_000 });
      await expect.poll(() => page.locator("#timeline .step-succeeded").count()).toBe(3);
      expect(await page.locator("#timeline .step-name").allInnerTexts()).toEqual([
        "1. validate",
        "2. plan",
        "3. apply",
      ]);
      expect(await page.locator("#logs .log").count()).toBeGreaterThan(0);
      const seqs = await page
        .locator("#logs .log")
        .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.seq));
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
      expect(await page.locator("#live-status").innerText()).not.toMatch(/stopped/i);
      await screenshot(page, "task-succeeded");
      await page.goto(`${site.url}/`);
      await page.locator(`#row-${taskId} .chip-succeeded`).waitFor();
      await screenshot(page, "home");
      expect(errors).toEqual([]);
      await close();
    });

    it("adds a new task to /tasks and updates its row live", async () => {
      const { page, errors, close } = await openPage(browser, "dark", site.cookies);
      await page.goto(`${site.url}/tasks`);
      await textOf(page.locator("#live-status"), /^Live$/);
      await page.evaluate(() => {
        (window as unknown as { stayed: boolean }).stayed = true;
      });
      const response = await site.api("/api/k8s/workloads/prod/web:restart", {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": `tasks-live-${Date.now()}` },
        body: "{}",
      });
      const { taskId } = (await response.json()) as { taskId: string };
      await page.locator(`#row-${taskId}`).waitFor({ timeout: 15_000 });
      await page.locator(`#row-${taskId} .chip-succeeded`).waitFor({ timeout: 30_000 });
      expect(await page.locator(`#row-${taskId}`).count()).toBe(1);
      expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
      await screenshot(page, "tasks-live");
      expect(errors).toEqual([]);
      await close();
    });

    it("passes the deploy form's failure injection to the task (failAt), in demo mode only", async () => {
      // The API accepts the demo failure fields (README "Failure injection") only in demo mode.
      const { page, errors, close } = await openPage(browser, "dark", site.cookies);
      if (mode === "production") {
        await expect(startDeploy(page, "plan")).rejects.toThrow(/failure|demo/i);
        await close();
        return;
      }
      await startDeploy(page, "plan");
      await page.locator("#task-summary .chip-failed").waitFor({ timeout: 30_000 });
      await textOf(page.locator("#task-summary .alert-error"), "injected_failure");
      await screenshot(page, "task-failed");
      expect(errors).toEqual([]);
      await close();
    });

    it("finds a failed task in /dlq, retries it and watches it succeed", async () => {
      const { page, errors, close } = await openPage(browser, "dark", site.cookies);
      // The failure is injected below the API (payload failAt, once, permanently) so this flow does
      // not depend on the form test above.
      const taskId = await submitStageDeploy(site.runtime, "browser-test", {
        failAt: "plan",
        failTimes: 1,
        failPermanently: true,
      });
      await page.goto(`${site.url}/tasks/${taskId}`);
      await page.locator("#task-summary .chip-failed").waitFor({ timeout: 30_000 });
      await page.goto(`${site.url}/dlq`);
      const row = page.locator("tr", { has: page.locator(`a[href="/tasks/${taskId}"]`) });
      await textOf(row, "Injected failure");
      await screenshot(page, "dlq");
      await row.getByRole("button", { name: /Retry/ }).click();
      await page.waitForURL(new RegExp(`/tasks/${taskId}$`));
      await page.locator("#task-summary .chip-succeeded").waitFor({ timeout: 30_000 });
      await screenshot(page, "task-retried");
      await page.goto(`${site.url}/dlq`);
      expect(await page.locator(`a[href="/tasks/${taskId}"]`).count()).toBe(0);
      expect(errors).toEqual([]);
      await close();
    });

    it("saves notification routes and sends a test notification with the result shown", async () => {
      const { page, errors, close } = await openPage(browser, "dark", site.cookies);
      await page.goto(`${site.url}/settings`);
      const section = page.locator("section[data-project=shop]");
      const webhook = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/teams`;
      await section.locator("input[name=teamsWebhookUrl]").fill(webhook);
      await section.locator("input[name=emailList]").fill("oncall@contoso.com");
      await section.getByRole("button", { name: "Save" }).click();
      await textOf(section.locator("[aria-live]"), "Saved.");
      await section.getByRole("button", { name: "Send test notification" }).click();
      await textOf(section.locator("[aria-live]"), "Test notification sent");
      await textOf(section.locator("[aria-live]"), /teams → 127\.0\.0\.1[^:]*: delivered/);
      expect(hookCalls.length).toBeGreaterThan(0);
      await page.reload();
      expect(await page.locator("section[data-project=shop] input[name=teamsWebhookUrl]").inputValue()).toBe(
        webhook,
      );
      await screenshot(page, "settings");
      if (mode === "production") {
        // No role switch behind sign-in: the role is the signed-in person's.
        expect(await page.locator("#role select[name=role]").count()).toBe(0);
        expect(errors).toEqual([]);
        await close();
        return;
      }
      // The demo role switch: a viewer sees the quick form but cannot start it.
      await page.locator("#role select[name=role]").selectOption("viewer");
      await page.locator("#role").getByRole("button", { name: "Switch role" }).click();
      await textOf(page.locator(".role-pill"), "role: viewer");
      await page.goto(`${site.url}/actions/deploy`);
      expect(await page.getByRole("button", { name: "Start" }).isDisabled()).toBe(true);
      await page.goto(`${site.url}/settings`);
      await page.locator("#role select[name=role]").selectOption("admin");
      await page.locator("#role").getByRole("button", { name: "Switch role" }).click();
      await textOf(page.locator(".role-pill"), "role: admin");
      expect(errors).toEqual([]);
      await close();
    });

    it("restarts prod/api from the Teams emulator and updates the card in place (demo; not served in production)", async () => {
      const { page, errors, close } = await openPage(browser, "dark", site.cookies);
      if (mode === "production") {
        expect((await page.goto(`${site.url}/chat`))?.status()).toBe(404);
        await close();
        return;
      }
      await page.goto(`${site.url}/chat`);
      await textOf(page.locator("#chat-status"), /^Connected$/);
      await page.locator("#chat-input").fill("restart prod/api");
      await page.locator("#chat-input").press("Enter");
      const card = page.locator(".msg-bot", { has: page.locator(".ac-adaptiveCard") }).last();
      await card.waitFor({ timeout: 15_000 });
      const cardId = await card.getAttribute("id");
      // The card's own status (not a step's) reads Succeeded and nothing is running any more.
      await expect
        .poll(
          async () => {
            const text = await page.locator(`#${cardId}`).innerText();
            return /\bSucceeded\b/.test(text) && !/\brunning\b/i.test(text);
          },
          { timeout: 30_000 },
        )
        .toBe(true);
      expect(await page.locator(".msg-bot .ac-adaptiveCard").count()).toBe(1);
      expect(Number(await page.locator(`#${cardId}`).getAttribute("data-version"))).toBeGreaterThan(0);
      await screenshot(page, "chat");
      expect(errors).toEqual([]);
      await close();
    });

    it("shows every page without console errors, in dark and light", async () => {
      for (const scheme of ["dark", "light"] as const) {
        const { page, errors, close } = await openPage(browser, scheme, site.cookies);
        for (const [name, path] of [
          ["home", "/"],
          ["tasks", "/tasks"],
          ["projects", "/projects"],
          ["dlq", "/dlq"],
          ["settings", "/settings"],
          ["cost", "/cost?cpu=2&memoryGb=8&storageGb=100"],
          ...(mode === "demo" ? ([["chat", "/chat"]] as const) : []),
          ["action-deploy", "/actions/deploy"],
        ] as const) {
          const response = await page.goto(`${site.url}${path}`);
          expect(response?.status(), path).toBe(200);
          // Let live streams connect (and fail loudly in the console if they would).
          await page.waitForTimeout(400);
          if (scheme === "dark" || name === "home") await screenshot(page, `${name}-${scheme}`);
        }
        expect(errors).toEqual([]);
        await close();
      }
    });
  },
);
