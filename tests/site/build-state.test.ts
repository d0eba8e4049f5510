import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { markSiteBuilt, siteBuildIsStale } from "../../site/build-state";

describe("site build state", () => {
  let root = "";
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("counts a build as done only once it finished, and stale again when a source changes", () => {
    root = mkdtempSync(join(tmpdir(), "cloudops-site-"));
    mkdirSync(join(root, "src"));
    writeFileSync(join(root, "src", "index.astro"), "<p>hi</p>");
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(root, "src", "index.astro"), past, past);
    utimesSync(join(root, "src"), past, past);
    // What a build killed half-way leaves: the server entry, nothing to say it finished.
    mkdirSync(join(root, "dist", "server"), { recursive: true });
    writeFileSync(join(root, "dist", "server", "entry.mjs"), "export {}");
    expect(siteBuildIsStale(root)).toBe(true);

    markSiteBuilt(root);
    expect(siteBuildIsStale(root)).toBe(false);

    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, "src", "index.astro"), later, later);
    expect(siteBuildIsStale(root)).toBe(true);
  });
});
