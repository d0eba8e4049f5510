// `npm run bench:site`: first contentful paint of /tasks in headless Chromium without GPU compositing
// (as on VDI and remote desktops), with the current glass styles and with the earlier ones (a
// backdrop blur on every panel and step, and a fixed page background), which it puts back through an
// injected stylesheet. Prints median and range per variant over BENCH_RUNS loads (default 15), in
// alternating order. Measured, never asserted: the figures depend on the machine.
import type { Browser } from "playwright-core";
import { launchChromium } from "../support/browser";
import { startSiteRuntime } from "../support/site-runtime";
import { formatSummary, machineLine, summarise } from "./stats";

const RUNS = Number(process.env.BENCH_RUNS ?? "15");

// What the dashboard's CSS did before issue 15 item 11.
const LEGACY_GLASS = `
body { background: radial-gradient(1200px 700px at 10% -10%, var(--bg-glow-1), transparent 60%),
  radial-gradient(900px 600px at 110% 10%, var(--bg-glow-2), transparent 60%), var(--bg) !important;
  background-attachment: fixed !important; }
body::before { display: none !important; }
.glass, .panel, .nav, .step, .quick-panel, dialog {
  background: linear-gradient(180deg, var(--glass-shine), transparent 40%), var(--glass) !important;
  backdrop-filter: var(--blur) !important; -webkit-backdrop-filter: var(--blur) !important; }`;

async function firstPaint(browser: Browser, url: string, legacy: boolean): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  if (legacy) {
    // Added at the first chance, before the page's own first paint.
    await page.addInitScript((css) => {
      const add = () => {
        const style = document.createElement("style");
        style.textContent = css;
        (document.head ?? document.documentElement).append(style);
      };
      if (document.documentElement) add();
      else document.addEventListener("readystatechange", add, { once: true });
    }, LEGACY_GLASS);
  }
  await page.goto(url, { waitUntil: "load" });
  const fcp = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const found = performance.getEntriesByName("first-contentful-paint")[0];
        if (found) return resolve(found.startTime);
        new PerformanceObserver((list) => {
          const entry = list.getEntriesByName("first-contentful-paint")[0];
          if (entry) resolve(entry.startTime);
        }).observe({ type: "paint", buffered: true });
      }),
  );
  await context.close();
  return fcp;
}

const site = await startSiteRuntime();
// Seed some rows so /tasks has a realistic page of glass rows to paint.
for (let i = 0; i < 25; i++) {
  await fetch(`${site.url}/api/k8s/workloads/prod/${i % 2 ? "api" : "web"}:restart`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": `bench-fcp-${Date.now()}-${i}` },
    body: "{}",
  });
}
const browser = await launchChromium();
const url = `${site.url}/tasks`;
await firstPaint(browser, url, false); // warm-up: server caches and compression of assets
const results = { current: [] as number[], legacy: [] as number[] };
for (let run = 0; run < RUNS; run++) {
  const order = run % 2 ? (["legacy", "current"] as const) : (["current", "legacy"] as const);
  for (const variant of order) results[variant].push(await firstPaint(browser, url, variant === "legacy"));
}
await browser.close();
await site.stop();
console.log(machineLine());
console.log(`first contentful paint of /tasks, headless Chromium with --disable-gpu, in ms: median (range)`);
console.log(
  `  before (blur on every panel and step, fixed background): ${formatSummary(summarise(results.legacy))}`,
);
console.log(
  `  after  (blur on the navbar and quick panel only):         ${formatSummary(summarise(results.current))}`,
);
process.exit(0);
