import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCALAR_VERSION } from "../../api/docs/api-reference";
import { SITE_MODES, type SiteUnderTest, startSiteInMode } from "../support/site-modes";

// Compression, immutable caching, the HTML 404 page, and the API reference served without a CDN,
// over a real socket in demo and production mode.
describe.each(SITE_MODES)("serving (%s mode)", (mode) => {
  let site: SiteUnderTest;

  beforeAll(async () => {
    site = await startSiteInMode(mode);
  }, 180_000);
  afterAll(async () => {
    await site?.stop();
  });

  it("sends pages, scripts and styles compressed, hashed assets cached as immutable", async () => {
    const page = await site.page("/tasks", { headers: { "accept-encoding": "br, gzip" } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-encoding")).toBe("br");
    const html = await page.text();
    expect(html).toContain("<h1>Tasks</h1>");
    const assets = [...html.matchAll(/(?:src|href)="(\/_astro\/[^"]+\.(?:js|css))"/g)].map((m) => m[1] ?? "");
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      const res = await fetch(`${site.url}${asset}`, { headers: { "accept-encoding": "gzip" } });
      expect(res.status, asset).toBe(200);
      expect(res.headers.get("cache-control"), asset).toBe("public, max-age=31536000, immutable");
      const length = (await res.arrayBuffer()).byteLength;
      if (length > 1024) expect(res.headers.get("content-encoding"), asset).toBe("gzip");
    }
    const plain = await site.page("/tasks", { headers: { "accept-encoding": "identity" } });
    expect(plain.headers.get("content-encoding")).toBeNull();
  });

  it("answers an unknown page with an HTML 404 and keeps problem+json for the API", async () => {
    const page = await site.page("/no/such/page", { headers: { accept: "text/html" } });
    expect(page.status).toBe(404);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("Page not found");
    const api = await site.api("/api/no-such-route");
    expect(api.status).toBe(404);
    expect(api.headers.get("content-type")).toContain("application/problem+json");
  });

  it("answers a malformed task id with a 404 page, not a 502", async () => {
    const page = await site.page("/tasks/not-a-task-id");
    expect(page.status).toBe(404);
    expect(await page.text()).toContain("Task not found");
  });

  it("serves the Scalar bundle from the installed package, compressed and cached", async () => {
    const docs = await fetch(`${site.url}/docs`);
    expect(docs.status).toBe(200);
    const html = await docs.text();
    expect(html).not.toContain("cdn.jsdelivr.net");
    const src = html.match(/<script src="([^"]+)"/)?.[1] ?? "";
    expect(src).toBe(`/docs/assets/scalar-${SCALAR_VERSION}/standalone.js`);
    const bundle = await fetch(`${site.url}${src}`, { headers: { "accept-encoding": "br" } });
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("content-encoding")).toBe("br");
    expect(bundle.headers.get("cache-control")).toContain("immutable");
    expect((await bundle.text()).length).toBeGreaterThan(1_000_000);
  });
});
