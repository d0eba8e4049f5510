import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresUrl } from "../support/services";
import { SITE_MODES, type SiteUnderTest, startSiteInMode } from "../support/site-modes";
import { type SiteRuntime, startSiteRuntime } from "../support/site-runtime";
import { createSourceDatabase, type SourceDatabase } from "../support/source-database";

// The dashboard's instance picker (/databases) and artifact list (/artifacts) over a real socket,
// backing up and restoring a real PostgreSQL database through their forms.

/** The pages as the site's user: the demo user, or (production) a signed-in admin. */
type Site = SiteRuntime | SiteUnderTest;
const pageOf = (site: Site, path: string, init: RequestInit = {}) =>
  "page" in site ? site.page(path, init) : fetch(`${site.url}${path}`, { redirect: "manual", ...init });
const apiOf = (site: Site, path: string) => ("api" in site ? site.api(path) : fetch(`${site.url}${path}`));

async function get(site: Site, path: string) {
  const response = await pageOf(site, path);
  return { response, body: await response.text() };
}

/** Posts a page's form as a browser would: its CSRF cookie and token, its hidden fields, plus `fields`. */
async function submit(site: Site, pagePath: string, formAction: string, fields: Record<string, string>) {
  const page = await pageOf(site, pagePath);
  const html = await page.text();
  const cookie = (page.headers.getSetCookie().find((c) => c.startsWith("cloudops_csrf=")) ?? "").split(
    ";",
  )[0];
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
  const response = await pageOf(site, formAction, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: cookie ?? "", origin: site.url, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ _csrf: token, idempotencyKey: `key-${Math.random()}`, ...fields }).toString(),
  });
  return response;
}

async function finished(site: Site, taskId: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const task = (await (await apiOf(site, `/api/tasks/${taskId}`)).json()) as { status: string };
    if (["succeeded", "failed", "cancelled"].includes(task.status)) return task.status;
    if (Date.now() > deadline) throw new Error(`task ${taskId} did not finish`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!postgresUrl).each(SITE_MODES)(
  "databases and artifacts pages with DB_INSTANCES (%s mode)",
  (mode) => {
    let site: SiteUnderTest;
    let db: SourceDatabase;

    beforeAll(async () => {
      db = await createSourceDatabase(`cloudops_site_db_${mode}`);
      await db.query("create table t (id int primary key); insert into t select generate_series(1, 500)");
      site = await startSiteInMode(mode, {
        DB_INSTANCES: JSON.stringify({
          "orders-db": { engine: "azure-postgres", url: db.url, environment: "shop/dev" },
          "orders-copy": { engine: "azure-postgres", url: db.url },
          "reports-db": { engine: "azure-sql", url: "Server=tcp:reports.example.com;Database=reports" },
        }),
      });
    }, 180_000);
    afterAll(async () => {
      await site?.stop();
      await db?.drop();
    });

    it("lists the configured instances (ids, engines, environments; never URLs) with a backup button each", async () => {
      const { response, body } = await get(site, "/databases");
      expect(response.status).toBe(200);
      for (const id of ["orders-db", "orders-copy", "reports-db"])
        expect(body).toContain(`data-instance="${id}"`);
      expect(body).toContain("environment shop/dev");
      expect(body).toContain('aria-label="Back up orders-db"');
      expect(body).not.toContain(db.password);
      expect(body).not.toContain("reports.example.com");
      expect(body).toContain("No backups of orders-db yet.");
    });

    it("backs up from the picker, links the task to its artifact, lists it, and restores it from the picker", async () => {
      const backup = await submit(site, "/databases", "/actions/backup", {
        engine: "azure-postgres",
        instanceId: "orders-db",
      });
      expect(backup.status).toBe(303);
      const backupTask = (backup.headers.get("location") ?? "").split("/").pop() ?? "";
      expect(await finished(site, backupTask)).toBe("succeeded");

      const artifacts = (await (await apiOf(site, "/api/artifacts?instanceId=orders-db")).json()) as {
        items: Array<{ id: string; size: number; sha256: string; taskId: string }>;
      };
      const artifact = artifacts.items[0];
      if (!artifact) throw new Error("no artifact");

      const taskPage = await get(site, `/tasks/${backupTask}`);
      expect(taskPage.body).toContain("data-backup-artifact");
      expect(taskPage.body).toContain(`href="/artifacts?instanceId=orders-db#${artifact.id}"`);

      const list = await get(site, "/artifacts?instanceId=orders-db");
      expect(list.response.status).toBe(200);
      const row = new RegExp(`<tr id="${artifact.id}"[\\s\\S]*?</tr>`).exec(list.body)?.[0] ?? "";
      expect(row).toContain(artifact.sha256);
      expect(row).toContain(`data-size="${artifact.size}"`);
      expect(row).toMatch(/\d+(\.\d)? (B|KB|MB)/);
      expect(row).toContain(">orders-db</a>");
      expect(row).toContain(`href="/tasks/${backupTask}"`);
      expect(row).toMatch(/pg_dump \d+/);
      expect(row).toMatch(/<time datetime="[^"]+">/);

      const picker = await get(site, "/databases");
      const section =
        /<section[^>]*data-instance="orders-db"[\s\S]*?<\/section>/.exec(picker.body)?.[0] ?? "";
      expect(section).toContain(`<option value="${artifact.id}">`);
      // Restore targets are instances of the same engine only.
      expect(section).toContain('<option value="orders-copy">');
      expect(section).not.toContain('<option value="reports-db"');

      await db.query("delete from t where id > 100");
      const restore = await submit(site, "/databases", "/actions/restore", {
        engine: "azure-postgres",
        instanceId: "orders-db",
        artifactId: artifact.id,
        target: "orders-db",
      });
      expect(restore.status).toBe(303);
      const restoreTask = (restore.headers.get("location") ?? "").split("/").pop() ?? "";
      expect(await finished(site, restoreTask)).toBe("succeeded");
      expect(await db.query<{ n: number }>("select count(*)::int as n from t")).toEqual([{ n: 500 }]);
    });

    it("filters the artifact list by instance", async () => {
      const other = await get(site, "/artifacts?instanceId=reports-db");
      expect(other.body).toContain("data-artifacts-empty");
      expect(other.body).toContain("No artifacts of reports-db yet.");
    });
  },
);

describe("databases and artifacts pages in demo mode without DB_INSTANCES", () => {
  let site: SiteRuntime;
  beforeAll(async () => {
    site = await startSiteRuntime();
  }, 180_000);
  afterAll(async () => site?.stop());

  it("says backups are simulated, and marks simulated backups in the artifact list", async () => {
    const page = await get(site, "/databases");
    expect(page.response.status).toBe(200);
    expect(page.body).toContain("data-databases-simulated");
    const backup = await submit(site, "/actions/backup", "/actions/backup", {
      engine: "azure-postgres",
      instanceId: "demo-db",
    });
    const taskId = (backup.headers.get("location") ?? "").split("/").pop() ?? "";
    expect(await finished(site, taskId)).toBe("succeeded");
    const list = await get(site, "/artifacts");
    expect(list.body).toMatch(/data-artifact="art_[^"]+"[\s\S]*?chip-simulated/);
  });

  it("shows a simulated cluster badge and log lines on the page of a restart on the simulator", async () => {
    const restart = await submit(site, "/actions/restart", "/actions/restart", {
      namespace: "prod",
      name: "api",
    });
    expect(restart.status).toBe(303);
    const location = restart.headers.get("location") ?? "";
    expect(await finished(site, location.split("/").pop() ?? "")).toBe("succeeded");
    const page = await get(site, location);
    expect(page.body).toContain(
      '<span class="chip chip-simulated" title="Demo: no real cluster was touched">simulated cluster</span>',
    );
    const lines = [...page.body.matchAll(/<li class="log[^"]*"[\s\S]*?<\/li>/g)].map((m) => m[0]);
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(line).toContain("simulated cluster");
  });
});
