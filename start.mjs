import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

// `npm start`: run the compiled server, building it first when dist/server is missing or older than a
// source file it was built from. Plain JavaScript, so no TypeScript loader is paid at start; the check
// reads one small manifest and stats the files listed there (a few milliseconds).
const ROOT = import.meta.dirname;
const SERVER_DIR = join(ROOT, "dist", "server");
const MANIFEST = join(SERVER_DIR, "inputs.json");
// Changing how the bundle is made rebuilds it too.
const BUILD_FILES = ["build-server.mjs", "package.json"];

function serverBuildIsStale() {
  if (!existsSync(MANIFEST)) return true;
  try {
    const { builtAt, inputs } = JSON.parse(readFileSync(MANIFEST, "utf8"));
    return [...inputs, ...BUILD_FILES].some((file) => {
      const path = join(ROOT, file);
      // A file the last build read is gone: something moved, rebuild.
      return !existsSync(path) || statSync(path).mtimeMs > builtAt;
    });
  } catch {
    return true;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A lock directory keeps two starts (or a start and a test run) from building over each other.
async function ensureServerBuilt() {
  if (!serverBuildIsStale()) return;
  const lock = join(ROOT, "dist", ".server-build-lock");
  mkdirSync(join(ROOT, "dist"), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 120_000)
        rmSync(lock, { recursive: true });
      await sleep(100);
    }
  }
  try {
    if (!serverBuildIsStale()) return;
    process.stdout.write("Compiling the server (first start or sources changed)…\n");
    const { buildServer } = await import("./build-server.mjs");
    await buildServer();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

await ensureServerBuilt();
// `node start.mjs --build-only`: bring dist/server up to date and stop (the benches start from a fresh build).
if (process.argv.includes("--build-only")) process.exit(0);
// The dashboard's own check (builds site/dist when missing or stale), compiled with the server.
await import("./dist/server/ensure-site.mjs");
await import("./dist/server/main.mjs");
