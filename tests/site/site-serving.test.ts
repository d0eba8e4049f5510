import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SITE_CLIENT_DIR } from "../../site/build-state";
import { SITE_MODES, type SiteUnderTest, startSiteInMode } from "../support/site-modes";

// The dashboard as served by the whole process over a real socket: security headers, CSRF, escaping,
// cached assets, the JavaScript budget, and pages that read without JavaScript. In demo mode and,
// signed in as an admin, with DEMO_MODE=false.
const BUDGET_BYTES = 30 * 1024;

function scriptsOf(html: string): string[] {
  return [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1] ?? "");
}

/** Gzipped size of a built script and every chunk it imports statically. */
function gzippedWithImports(src: string, seen = new Set<string>()): number {
  if (seen.has(src)) return 0;
  seen.add(src);
  const code = readFileSync(join(SITE_CLIENT_DIR, src.replace(/^\//, "")));
  let total = gzipSync(code).length;
  for (const m of code.toString("utf8").matchAll(/(?:import|from)\s*["'](\.\/[^"']+\.js)["']/g)) {
    total += gzippedWithImports(`/_astro/${(m[1] ?? "").slice(2)}`, seen);
  }
  return total;
}

describe.each(SITE_MODES)("the dashboard (%s mode)", (mode) => {
  let site: SiteUnderTest;
  // /chat (the Teams emulator) exists in demo mode only.
  const PAGES = [
    "/",
    "/tasks",
    "/projects",
    "/dlq",
    "/databases",
    "/artifacts",
    "/settings",
    "/cost",
    "/actions/deploy",
    ...(mode === "demo" ? ["/chat"] : []),
  ];
  beforeAll(async () => {
    site = await startSiteInMode(mode);
  }, 180_000);
  afterAll(async () => {
    await site?.stop();
  });

  async function page(path: string, init?: RequestInit) {
    const response = await site.page(path, init);
    return { response, body: await response.text() };
  }

  describe("dashboard pages", () => {
    it("serves every page server-rendered with a strict Content-Security-Policy and no inline script", async () => {
      for (const path of PAGES) {
        const { response, body } = await page(path);
        expect(response.status, path).toBe(200);
        const csp = response.headers.get("content-security-policy") ?? "";
        expect(csp, path).toContain("script-src 'self'");
        expect(csp, path).not.toContain("unsafe-inline");
        expect(body, path).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
        expect(body, path).not.toMatch(/\son[a-z]+="/);
        expect(body, path).not.toMatch(/\sstyle="/);
      }
    });

    it("reads without JavaScript: the home page lists the seeded projects and environments", async () => {
      const { body } = await page("/");
      for (const name of ["shop", "payments", "data-platform"]) expect(body).toContain(`>${name}</a>`);
      expect(body).toContain("Queue depth");
    });

    it("keeps pages other than /chat within 30 KB of gzipped JavaScript", async () => {
      for (const path of PAGES.filter((p) => p !== "/chat")) {
        const { body } = await page(path);
        const total = scriptsOf(body).reduce((sum, src) => sum + gzippedWithImports(src), 0);
        expect(total, path).toBeGreaterThan(0);
        expect(total, path).toBeLessThanOrEqual(BUDGET_BYTES);
        console.info(`[js budget] ${path}: ${(total / 1024).toFixed(1)} KB gzipped`);
      }
    });

    it("serves hashed assets with long cache headers", async () => {
      const { body } = await page("/");
      const src = scriptsOf(body)[0] ?? "";
      expect(src).toMatch(/^\/_astro\//);
      const asset = await fetch(`${site.url}${src}`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get("cache-control")).toContain("immutable");
    });

    it("leaves API routes to the API", async () => {
      const response = await site.api("/api/no-such-route");
      const body = await response.text();
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      expect(body).toContain("route_not_found");
    });
  });

  describe("form safety", () => {
    async function csrf(): Promise<{ cookie: string; token: string }> {
      const { response, body } = await page("/actions/sandbox");
      const set = response.headers.getSetCookie().find((c) => c.startsWith("cloudops_csrf=")) ?? "";
      const cookie = set.split(";")[0] ?? "";
      const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? "";
      return { cookie, token };
    }

    it("rejects a form post without the CSRF token", async () => {
      const { cookie } = await csrf();
      const { response, body } = await page("/actions/sandbox", {
        method: "POST",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        body: "projectId=x&ttlMinutes=60",
      });
      expect(response.status).toBe(403);
      expect(body).toContain("Reload the page");
    });

    it("rejects a form post from another origin even with a token", async () => {
      const { cookie, token } = await csrf();
      const { response } = await page("/actions/sandbox", {
        method: "POST",
        headers: {
          cookie,
          origin: "https://evil.example",
          "content-type": "application/x-www-form-urlencoded",
        },
        body: `_csrf=${encodeURIComponent(token)}&projectId=x&ttlMinutes=60`,
      });
      expect(response.status).toBe(403);
    });

    it("creates a task from a form post with the token and redirects to its live page", async () => {
      const { cookie, token } = await csrf();
      const projects = (await (await site.api("/api/projects")).json()) as {
        items: Array<{ id: string; name: string }>;
      };
      const shop = projects.items.find((p) => p.name === "shop");
      const { response } = await page("/actions/sandbox", {
        method: "POST",
        headers: { cookie, origin: site.url, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          _csrf: token,
          projectId: shop?.id ?? "",
          ttlMinutes: "30",
          idempotencyKey: "form-key-12345",
        }).toString(),
      });
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toMatch(/^\/tasks\/tsk_/);
      const task = await page(response.headers.get("location") ?? "");
      expect(task.body).toContain("sandbox.create");
      const taskId = (response.headers.get("location") ?? "").split("/").pop() ?? "";
      await expect
        .poll(
          async () => ((await (await site.api(`/api/tasks/${taskId}`)).json()) as { status: string }).status,
          {
            timeout: 20_000,
          },
        )
        .toBe("succeeded");
      const home = await page("/");
      expect(home.body).toMatch(/<span class="muted" data-expires="[^"]+">(2\d|30)m \d\ds left<\/span>/);
    });

    it("shows the API's problem with its hint next to the form, escaped", async () => {
      const { cookie, token } = await csrf();
      const { response, body } = await page("/actions/sandbox", {
        method: "POST",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          _csrf: token,
          projectId: "<script>alert(1)</script>",
          ttlMinutes: "30",
        }).toString(),
      });
      expect(response.status).toBe(422);
      expect(body).toContain('class="alert alert-error"');
      expect(body).not.toContain("<script>alert(1)</script>");
    });

    it("lets an admin create a project, and shows a viewer the API's refusal next to the form", async () => {
      const { cookie, token } = await csrf();
      const form = (name: string) =>
        new URLSearchParams({
          _csrf: token,
          intent: "create",
          name,
          description: "from the dashboard",
          idempotencyKey: `create-${name}`,
        }).toString();
      const created = await page("/projects", {
        method: "POST",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        body: form("billing"),
      });
      expect(created.response.status).toBe(200);
      expect(created.body).toContain("Project billing created.");
      const projects = (await (await site.api("/api/projects")).json()) as {
        items: Array<{ name: string }>;
      };
      expect(projects.items.map((p) => p.name)).toContain("billing");
      // The role cookie is the demo's role switch; production ignores it (tests/site/production-dashboard.test.ts).
      if (mode === "production") return;

      const asViewer = await page("/projects", {
        method: "POST",
        headers: {
          cookie: `${cookie}; cloudops_role=viewer`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: form("ledger"),
      });
      expect(asViewer.response.status).toBe(422);
      expect(asViewer.body).toContain('class="alert alert-error"');
      const after = (await (await site.api("/api/projects")).json()) as {
        items: Array<{ name: string }>;
      };
      expect(after.items.map((p) => p.name)).not.toContain("ledger");
    });

    it("cancels a queued task from its page, and shows why it cannot be retried", async () => {
      const { cookie, token } = await csrf();
      // A queued task that no worker picks up meanwhile (its row only, never published), so the cancel
      // below always finds it queued, however slow the machine is.
      const { task: queuedTask } = await site.runtime.stores.tasks.create({
        type: "k8s.restart",
        entityId: "shop/cart",
        payload: { namespace: "shop", name: "cart" },
        requestedBy: "tester",
        source: "site",
      });
      const queued = queuedTask.id;
      const post = (path: string, key: string) =>
        page(path, {
          method: "POST",
          headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ _csrf: token, idempotencyKey: key }).toString(),
        });
      const cancelled = await post(`/tasks/${queued}/cancel`, `cancel-form-${queued}`);
      expect(cancelled.response.status).toBe(303);
      expect(cancelled.response.headers.get("location")).toBe(`/tasks/${queued}`);
      const task = await page(`/tasks/${queued}`);
      expect(task.body).toContain("chip-cancelled");

      const retried = await post(`/tasks/${queued}/retry`, `retry-form-${queued}`);
      expect(retried.response.status).toBeGreaterThanOrEqual(400);
      expect(retried.body).toContain('class="alert alert-error"');
      expect(retried.body).toContain("Back to the task");
    });
  });
});
