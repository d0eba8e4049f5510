import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root; the compiled server lands in dist/server below it. */
export const ROOT = dirname(fileURLToPath(import.meta.url));
export const SERVER_DIR = join(ROOT, "dist", "server");
/** Written last by a build: the list of source files it read (the staleness check reads only those). */
export const SERVER_MANIFEST = join(SERVER_DIR, "inputs.json");

// Entry points of the bundle: the process entry and the dashboard's build check that start.mjs runs first.
const ENTRY_POINTS = { main: "main.ts", "ensure-site": "site/ensure-build.ts" };

// Source files find their neighbours (migrations, card templates, package.json, pricing JSON) through
// import.meta.url/dirname. Inside a bundle those would name dist/server, so each file's own path is
// rewritten relative to the repository root that the bundle computes from its own location.
const BANNER = [
  'import { fileURLToPath as __cloudopsToPath, pathToFileURL as __cloudopsToUrl } from "node:url";',
  'import { resolve as __cloudopsResolve } from "node:path";',
  'const __cloudopsRoot = __cloudopsResolve(__cloudopsToPath(import.meta.url), "../../..");',
  "const __cloudopsPath = (p) => __cloudopsResolve(__cloudopsRoot, p);",
  "const __cloudopsUrl = (p) => __cloudopsToUrl(__cloudopsPath(p)).href;",
].join("\n");

const sourcePaths = {
  name: "cloudops-source-paths",
  /** @param {import("esbuild").PluginBuild} build */
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const file = relative(ROOT, args.path).split("\\").join("/");
      const contents = readFileSync(args.path, "utf8")
        .replaceAll("import.meta.dirname", `__cloudopsPath(${JSON.stringify(dirname(file))})`)
        .replaceAll("import.meta.url", `__cloudopsUrl(${JSON.stringify(file)})`);
      return { contents, loader: "ts" };
    });
  },
};

/**
 * Bundles our TypeScript into ESM under dist/server (npm packages stay external and load from
 * node_modules; dynamic imports become their own chunks, so roles load only what they use).
 * Builds into a staging directory, then moves the files in with the manifest last. Chunks are named
 * by content hash and old ones stay a day: a server started from the previous build may still import
 * one of its lazy chunks (the notification card on its first send) after a rebuild.
 */
export async function buildServer() {
  const { build } = await import("esbuild");
  const staging = `${SERVER_DIR}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ENTRY_POINTS,
    outdir: staging,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    sourcemap: true,
    metafile: true,
    logLevel: "warning",
    entryNames: "[name]",
    chunkNames: "chunk-[hash]",
    outExtension: { ".js": ".mjs" },
    banner: { js: BANNER },
    plugins: [sourcePaths],
  });
  const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.startsWith("node_modules/"));
  writeFileSync(join(staging, "inputs.json"), JSON.stringify({ builtAt: Date.now(), inputs }));
  mkdirSync(SERVER_DIR, { recursive: true });
  const fresh = new Set(readdirSync(staging));
  for (const name of [...fresh].filter((n) => n !== "inputs.json")) {
    renameSync(join(staging, name), join(SERVER_DIR, name));
  }
  renameSync(join(staging, "inputs.json"), SERVER_MANIFEST);
  rmSync(staging, { recursive: true, force: true });
  const dayAgo = Date.now() - 86_400_000;
  for (const name of readdirSync(SERVER_DIR)) {
    const path = join(SERVER_DIR, name);
    if (!fresh.has(name) && name.startsWith("chunk-") && statSync(path).mtimeMs < dayAgo) rmSync(path);
  }
  return resolve(SERVER_DIR, "main.mjs");
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  await buildServer();
  process.stdout.write(`server built into dist/server in ${Math.round(performance.now() - started)} ms\n`);
}
