import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** Debian's chromium, or null when it is not installed. */
export const chromiumPath: string | null = CANDIDATES.find((p) => existsSync(p)) ?? null;

export const SCREENSHOT_DIR = resolve(import.meta.dirname, "../output/screens");

/** Headless chromium with the flags that work on the CI machines (design notes). */
export async function launchChromium(): Promise<Browser> {
  if (!chromiumPath) throw new Error("chromium is not installed (apt-get install -y chromium)");
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A page that records every console error, page error and CSP violation it sees. */
export async function openPage(
  browser: Browser,
  colorScheme: "dark" | "light" = "dark",
  cookies: { name: string; value: string; url: string }[] = [],
) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme });
  await context.addCookies(cookies);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`${page.url()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message}`));
  return { page, errors, close: () => context.close() };
}

/**
 * Waits until htmx has wired the page's controls. htmx 4 starts on a timer when its module runs after
 * the document was parsed (`setTimeout(init)`), which can come after the load event `page.goto` waits
 * for; a click or Enter on a quick action before then follows the link's href (the no-JavaScript
 * full-page form) instead of opening the quick panel. That is the likely cause of one CI failure
 * (navigated to /actions/deploy); it did not reproduce locally, even with the CPU throttled 30x. htmx
 * marks every element it has initialised with `data-htmx-powered`; the navbar's quick actions are on
 * every page of the layout.
 */
export async function waitForHtmx(page: Page): Promise<void> {
  await page.locator("a[data-quick][data-htmx-powered]").first().waitFor({ state: "attached" });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: resolve(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
