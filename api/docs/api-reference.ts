import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Env, Hono } from "hono";
import { createAssetCache } from "../../platform/asset-cache";

// The package exports no ./package.json: find its root from its main entry (dist/index.js).
const scalarRoot = join(dirname(createRequire(import.meta.url).resolve("@scalar/api-reference")), "..");
/** The installed (pinned) @scalar/api-reference; its version names the bundle URL, so it caches forever. */
export const SCALAR_VERSION: string = (
  JSON.parse(readFileSync(join(scalarRoot, "package.json"), "utf8")) as { version: string }
).version;
const BUNDLE_PATH = `/docs/assets/scalar-${SCALAR_VERSION}/standalone.js`;
const A11Y_PATH = "/docs/assets/scalar-a11y.js";

// Scalar's default greys miss WCAG AA contrast on its own backgrounds: darker in light mode, lighter in dark.
const CONTRAST_CSS = `
.light-mode {
  --scalar-color-2: #4b4b4b;
  --scalar-color-3: #595959;
  --scalar-color-blue: #005a9e;
  --scalar-color-green: #0b6b3a;
  --scalar-color-orange: #a34400;
  --scalar-color-red: #b3261e;
  --scalar-color-purple: #6b3fb3;
  --scalar-color-yellow: #7a5200;
  --scalar-sidebar-color-2: #4b4b4b;
  --scalar-sidebar-search-color: #595959;
}
.dark-mode {
  --scalar-color-blue: #91a2ff;
  --scalar-color-purple: #c4a9ff;
  --scalar-color-red: #ff8f9d;
  --scalar-color-2: rgba(255, 255, 245, 0.78);
  --scalar-color-3: rgba(255, 255, 245, 0.7);
  --scalar-sidebar-color-2: rgba(255, 255, 245, 0.78);
  --scalar-sidebar-search-color: rgba(255, 255, 245, 0.7);
}`;

/** JSON inside <script>: `<` escaped so no string in it can close the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

/**
 * /docs (and /swagger): the Scalar API reference with its bundle served from the installed package,
 * so the page works offline and behind proxies that block public CDNs. "Test request" calls the host
 * the page was opened on (a relative server URL), whatever PUBLIC_URL says.
 */
export function registerApiReference<E extends Env>(app: Hono<E>, openApiPath: string): void {
  const bundle = createAssetCache(join(scalarRoot, "dist", "browser"), "public, max-age=31536000, immutable");
  const own = createAssetCache(import.meta.dirname, "public, max-age=3600");
  app.get(BUNDLE_PATH, async (c) => (await bundle("standalone.js", c.req.raw.headers)) ?? c.notFound());
  app.get(A11Y_PATH, async (c) => (await own("scalar-a11y.js", c.req.raw.headers)) ?? c.notFound());
  const configuration = {
    url: openApiPath,
    // Scalar's default fonts come from fonts.scalar.com: use the system fonts instead (no network).
    withDefaultFonts: false,
    servers: [{ url: "/", description: "This server (the address this page was opened on)" }],
    customCss: CONTRAST_CSS,
    // The "Ask AI" agent talks to Scalar's cloud (proxy.scalar.com): off, the page makes no outside call.
    agent: { disabled: true },
  };
  const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>CloudOps API reference</title>
  </head>
  <body>
    <main id="app"></main>
    <script src="${BUNDLE_PATH}"></script>
    <script src="${A11Y_PATH}"></script>
    <script>Scalar.createApiReference("#app", ${scriptJson(configuration)});</script>
  </body>
</html>`;
  app.get("/docs", (c) => c.html(page));
  app.get("/swagger", (c) => c.html(page));
}
