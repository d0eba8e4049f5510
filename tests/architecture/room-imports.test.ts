import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

// The one-way imports between rooms (docs/architecture.md). A room is a top-level folder; `domain/model`
// is the task vocabulary every room may share, so it counts as a room of its own.
const ROOT = resolve(import.meta.dirname, "../..");
const ENTRY_MODULES = new Set(["config", "compose", "main"]);

/** Which rooms each room may import (besides itself and npm packages). */
const ALLOWED: Record<string, readonly string[]> = {
  "domain/model": ["platform"],
  platform: [],
  contracts: ["domain/model"],
  db: ["domain/model", "platform", "config"],
  domain: ["domain/model", "db", "platform", "config"],
  cards: ["contracts", "domain/model"],
  worker: ["domain", "domain/model", "db", "cards", "contracts", "platform", "config"],
  api: ["domain", "domain/model", "contracts", "db", "platform", "config"],
  bot: ["cards", "contracts", "domain/model", "platform", "config"],
  site: ["cards", "contracts", "domain/model", "platform", "config"],
};

function roomOf(path: string): string | null {
  const parts = relative(ROOT, path).split(sep);
  const top = parts[0] ?? "";
  if (top === "domain" && parts[1] === "model") return "domain/model";
  if (parts.length === 1) {
    const name = top.replace(/\.(ts|mjs|js)$/, "");
    return ENTRY_MODULES.has(name) ? name : null;
  }
  return top in ALLOWED || top === "tests" ? top : null;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (/\.(ts|astro|mjs)$/.test(name) && !/\.test\.ts$/.test(name)) out.push(path);
  }
  return out;
}

const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s[^"';]*?from\s*["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;

/** Every relative import of production code that crosses into a room it may not use. */
function violations(): string[] {
  const found: string[] = [];
  for (const room of Object.keys(ALLOWED)) {
    const dir = join(ROOT, room);
    let files: string[] = [];
    try {
      files = sourceFiles(dir);
    } catch {
      continue;
    }
    for (const file of files) {
      const from = roomOf(file);
      if (!from || from === "tests") continue;
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(SPECIFIER)) {
        const specifier = match[1] ?? match[2] ?? "";
        const to = roomOf(resolve(dirname(file), specifier));
        if (!to || to === from) continue;
        if (!(ALLOWED[from] ?? []).includes(to))
          found.push(`${relative(ROOT, file)} imports ${to} (${specifier})`);
      }
    }
  }
  return found;
}

describe("room imports", () => {
  it("keeps every import between rooms one-way, as docs/architecture.md draws them", () => {
    expect(violations()).toEqual([]);
  });

  it("finds a forbidden import when one is there", () => {
    // The checker itself must be able to fail: an api file reaching into worker/ is caught.
    const file = join(ROOT, "api/routes/example.ts");
    const to = roomOf(resolve(dirname(file), "../../worker/queue/memory-engine"));
    expect(to).toBe("worker");
    expect(ALLOWED.api).not.toContain(to);
    expect(roomOf(resolve(join(ROOT, "domain"), "../api/app"))).toBe("api");
    expect(ALLOWED.domain).not.toContain("api");
  });
});
