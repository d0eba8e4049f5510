import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SITE_MODES, type SiteUnderTest, startSiteInMode } from "../support/site-modes";

// The projects page puts the API's validation problem on the fields that caused it (aria-invalid, a
// message in plain words next to the field), not in a box under the buttons, and creates nothing.

describe.each(SITE_MODES)("project forms with bad input (%s mode)", (mode) => {
  let site: SiteUnderTest;
  beforeAll(async () => {
    site = await startSiteInMode(mode);
  }, 180_000);
  afterAll(async () => site?.stop());

  async function post(fields: Record<string, string>): Promise<string> {
    const page = await site.page("/projects");
    const html = await page.text();
    const csrf = (page.headers.getSetCookie().find((c) => c.startsWith("cloudops_csrf=")) ?? "").split(
      ";",
    )[0];
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
    const res = await site.page("/projects", {
      method: "POST",
      headers: { cookie: csrf ?? "", origin: site.url, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: token, idempotencyKey: `k-${Math.random()}`, ...fields }).toString(),
    });
    // The form comes back with its problem: 422, as a failed form submission should.
    expect(res.status).toBe(422);
    return res.text();
  }

  it("marks the name and description fields of a new project and says what to type", async () => {
    const html = await post({ intent: "create", name: "Bad Name!", description: "x".repeat(501) });
    expect(html).toMatch(/<input name="name"[^>]*aria-invalid="true"[^>]*aria-describedby="err-create-name"/);
    expect(html).toContain('<p class="field-error" id="err-create-name">Use 1 to 63 lowercase letters');
    expect(html).toMatch(/<input name="description"[^>]*aria-invalid="true"/);
    expect(html).toContain("at most 500 characters");
    expect(html).not.toMatch(/name\.0|Invalid string|must be a DNS-1123 label/);
    const projects = (await (await site.api("/api/projects")).json()) as { items: { name: string }[] };
    expect(projects.items.map((p) => p.name)).not.toContain("Bad Name!");
  });

  it("marks the environment name of the add-environment form", async () => {
    const shop = (await (await site.api("/api/projects")).json()) as {
      items: { id: string; name: string }[];
    };
    const id = shop.items.find((p) => p.name === "shop")?.id ?? "";
    const html = await post({ intent: "env", projectId: id, envName: "QA env", envType: "stage" });
    expect(html).toMatch(
      new RegExp(
        `<input name="envName"[^>]*aria-invalid="true"[^>]*aria-describedby="err-env-${id}-envName"`,
      ),
    );
    expect(html).toContain(`id="err-env-${id}-envName">Use 1 to 63 lowercase letters`);
  });
});
