import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Scalar } from "@scalar/hono-api-reference";
import type { Env, Hono } from "hono";
import { createAssetCache } from "../../platform/asset-cache";

// The package exports no ./package.json: find its root from its main entry (dist/index.js).
const scalarRoot = join(dirname(createRequire(import.meta.url).resolve("@scalar/api-reference")), "..");
/** The installed (pinned) @scalar/api-reference; its version names the bundle URL, so it caches forever. */
export const SCALAR_VERSION: string = (
  JSON.parse(readFileSync(join(scalarRoot, "package.json"), "utf8")) as { version: string }
).version;
const BUNDLE_PATH = `/docs/assets/scalar-${SCALAR_VERSION}/standalone.js`;

/**
 * /docs (and /swagger): the Scalar API reference with its bundle served from the installed package,
 * so the page works offline and behind proxies that block public CDNs. "Test request" calls the host
 * the page was opened on (a relative server URL), whatever PUBLIC_URL says.
 */
export function registerApiReference<E extends Env>(app: Hono<E>, openApiPath: string): void {
  const bundle = createAssetCache(join(scalarRoot, "dist", "browser"), "public, max-age=31536000, immutable");
  app.get(BUNDLE_PATH, async (c) => (await bundle("standalone.js", c.req.raw.headers)) ?? c.notFound());
  const reference = Scalar({
    url: openApiPath,
    pageTitle: "CloudOps API reference",
    cdn: BUNDLE_PATH,
    // Scalar's default fonts come from fonts.scalar.com: use the system fonts instead (no network).
    withDefaultFonts: false,
    servers: [{ url: "/", description: "This server (the address this page was opened on)" }],
  });
  app.get("/docs", reference);
  app.get("/swagger", reference);
}
