import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath, launchChromium, openPage, waitForHtmx } from "../support/browser";
import { auditContrast, type ContrastOffender } from "../support/contrast-audit";
import { SITE_MODES, type SiteUnderTest, startSiteInMode } from "../support/site-modes";
import { submitStageDeploy } from "../support/stage-deploy";

// WCAG AA text contrast on the main pages in both themes, and the Deploy quick action by keyboard only.
const inCi = process.env.CI === "true";
if (!chromiumPath && !inCi) {
  console.warn("[browser tests] SKIPPED: /usr/bin/chromium is missing (apt-get install -y chromium)");
}

/** How the focused element shows focus: a visible outline or a box-shadow ring, or null. */
function focusRing(): { tag: string; text: string; ring: string | null } | null {
  const el = document.activeElement;
  if (!(el instanceof HTMLElement) || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline =
    style.outlineStyle !== "none" && Number.parseFloat(style.outlineWidth) > 0
      ? `outline ${style.outlineWidth} ${style.outlineStyle} ${style.outlineColor}`
      : null;
  const shadow = style.boxShadow !== "none" ? `box-shadow ${style.boxShadow}` : null;
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.getAttribute("name") ?? el.textContent ?? "").trim().slice(0, 40),
    ring: el.matches(":focus-visible") ? (outline ?? shadow) : null,
  };
}

// In demo mode and behind real sign-in (DEMO_MODE=false: the browser holds an admin's session).
describe.skipIf(!chromiumPath && !inCi).each(SITE_MODES)(
  "dashboard accessibility in a browser (%s mode)",
  { timeout: 180_000 },
  (mode) => {
    let site: SiteUnderTest;
    let browser: Browser;
    let taskId = "";

    beforeAll(async () => {
      site = await startSiteInMode(mode);
      browser = await launchChromium();
      // A finished task and a dead letter, so /tasks/{id}, /dlq and the status chips have content.
      const response = await site.api("/api/k8s/workloads/prod/web:restart", {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": `a11y-${Date.now()}` },
        body: "{}",
      });
      taskId = ((await response.json()) as { taskId: string }).taskId;
      const failingId = await submitStageDeploy(site.runtime, "a11y-test", {
        failAt: "plan",
        failTimes: 1,
        failPermanently: true,
      });
      // expect.poll only works inside a test; wait for the dead letter with a plain loop.
      for (let i = 0; i < 300 && (await site.runtime.stores.tasks.get(failingId))?.status !== "failed"; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
    }, 240_000);

    afterAll(async () => {
      await browser?.close();
      await site?.stop();
    });

    for (const scheme of ["dark", "light"] as const) {
      it(`meets WCAG AA text contrast on the main pages in the ${scheme} theme`, async () => {
        const { page, errors, close } = await openPage(browser, scheme, site.cookies);
        const pages = [
          "/",
          "/tasks",
          `/tasks/${taskId}`,
          "/dlq",
          "/databases",
          "/artifacts",
          "/settings",
          "/projects",
          "/cost",
        ];
        const found: Array<ContrastOffender & { page: string }> = [];
        let audited = 0;
        for (const path of pages) {
          await page.goto(`${site.url}${path}`);
          expect(page.url(), `${mode} ${path}`).toBe(new URL(path, site.url).href);
          if (path.startsWith("/tasks/")) await page.locator("#task-summary .chip-succeeded").waitFor();
          if (path === "/dlq") await page.locator("main table tr td").first().waitFor();
          // Wait out transitions so colours are the settled ones.
          await page.evaluate(() =>
            Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {}))),
          );
          audited += await page.evaluate(() => document.body.querySelectorAll("main *").length);
          for (const o of await page.evaluate(auditContrast)) found.push({ page: path, ...o });
        }
        expect(audited).toBeGreaterThan(50);
        const report = found
          .map(
            (o) =>
              `${o.page} ${o.selector} "${o.text}": ${o.color} on ${o.background} = ${o.ratio} < ${o.required}`,
          )
          .join("\n");
        expect(found, `contrast below WCAG AA (${scheme}):\n${report}`).toEqual([]);
        expect(errors).toEqual([]);
        await close();
      });
    }

    it("starts a deploy from the navbar using only the keyboard, with focus visible on every control", async () => {
      const { page, errors, close } = await openPage(browser, "dark", site.cookies);
      await page.goto(`${site.url}/`);
      expect(page.url()).toBe(`${site.url}/`);
      await waitForHtmx(page);
      const rings: string[] = [];

      /** Tabs forward until the focused element matches, checking each stop shows a focus ring. */
      async function tabTo(selector: string, limit = 40): Promise<void> {
        for (let i = 0; i < limit; i++) {
          await page.keyboard.press("Tab");
          const focus = await page.evaluate(focusRing);
          if (!focus) continue;
          if (!focus.ring) throw new Error(`no visible focus ring on <${focus.tag}> "${focus.text}"`);
          rings.push(`${focus.tag} ${focus.text}`);
          if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
        }
        throw new Error(
          `could not reach ${selector} with ${limit} Tab presses (went through: ${rings.join(", ")})`,
        );
      }

      await tabTo("a[data-quick=deploy]");
      await page.keyboard.press("Enter");
      await page.locator("#quick-panel #quick-form select[name=target]").waitFor();
      await tabTo("#quick-form select[name=target]");
      // Arrow keys walk a focused closed <select>; stop on the stage environment of shop.
      const target = page.locator("#quick-form select[name=target]");
      const label = () => target.evaluate((s) => (s as HTMLSelectElement).selectedOptions[0]?.label ?? "");
      for (let i = 0; i < 20 && (await label()) !== "shop / stage (stage)"; i++)
        await page.keyboard.press("ArrowDown");
      expect(await label()).toBe("shop / stage (stage)");
      await tabTo("#quick-form select[name=templateId]");
      expect(await page.locator("#quick-form select[name=templateId]").inputValue()).toBe("web-app");
      await tabTo("#quick-form button[type=submit]");
      await page.keyboard.press("Enter");
      await page.waitForURL(/\/tasks\/tsk_[a-z0-9]+$/, { timeout: 15_000 });
      await page.locator("#task-summary .chip-succeeded").waitFor({ timeout: 30_000 });
      expect(rings.length).toBeGreaterThan(3);
      expect(errors).toEqual([]);
      await close();
    });
  },
);
