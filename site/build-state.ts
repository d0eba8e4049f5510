import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** Where the Astro project lives and where its build lands. */
export const SITE_ROOT = resolve(import.meta.dirname);
export const SITE_ENTRY = join(SITE_ROOT, "dist", "server", "entry.mjs");
export const SITE_CLIENT_DIR = join(SITE_ROOT, "dist", "client");

const SOURCES = ["src", "public", "astro.config.mjs"];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry.endsWith(".test.ts")) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/**
 * Written once a build has finished. Astro writes the server entry before the browser assets, so a
 * build killed half-way (Ctrl-C during the first `npm start`) left an entry that looked current and
 * a dashboard without its scripts, answering 500, that no later start rebuilt.
 */
const BUILT_MARK = join("dist", ".built");

/** True when the last build of the site at `root` did not finish, or is older than any source file (tests excluded). */
export function siteBuildIsStale(root = SITE_ROOT): boolean {
  const mark = join(root, BUILT_MARK);
  if (!existsSync(mark)) return true;
  const built = statSync(mark).mtimeMs;
  return SOURCES.some((s) => newestMtime(join(root, s)) > built);
}

/** Records that the build of the site at `root` finished. */
export function markSiteBuilt(root = SITE_ROOT): void {
  writeFileSync(join(root, BUILT_MARK), `${new Date().toISOString()}\n`);
}

function runAstroBuild(): Promise<void> {
  return new Promise((done, fail) => {
    const astro = join(SITE_ROOT, "..", "node_modules", "astro", "astro.js");
    const child = spawn(process.execPath, [astro, "build", "--root", SITE_ROOT, "--silent"], {
      cwd: join(SITE_ROOT, ".."),
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, ASTRO_TELEMETRY_DISABLED: "1" },
    });
    child.once("error", fail);
    child.once("exit", (code) => (code === 0 ? done() : fail(new Error(`astro build exited with ${code}`))));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Builds the dashboard when its build is missing or stale. A lock directory keeps parallel callers
 * (test files in separate workers, a second `npm start`) from building over each other.
 */
export async function ensureSiteBuilt(announce: (line: string) => void = () => {}): Promise<boolean> {
  if (!siteBuildIsStale()) return false;
  const lock = join(SITE_ROOT, ".build-lock");
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Someone else is building; a lock older than 5 minutes is left over from a killed build.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000)
        rmSync(lock, { recursive: true });
      await sleep(250);
    }
  }
  try {
    if (!siteBuildIsStale()) return false;
    announce("Building the dashboard once (first start)…");
    rmSync(join(SITE_ROOT, BUILT_MARK), { force: true });
    await runAstroBuild();
    markSiteBuilt();
    return true;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
