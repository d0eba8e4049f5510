// @ts-check
import node from "@astrojs/node";
import { defineConfig } from "astro/config";

// The dashboard is rendered on demand inside the Hono process (compose.ts mounts dist/server/entry.mjs).
export default defineConfig({
  output: "server",
  adapter: node({ mode: "middleware" }),
  // compose.ts serves dist/client itself (with long cache headers for hashed assets).
  build: { inlineStylesheets: "never", assets: "_astro" },
  // Our forms carry their own CSRF token (src/middleware.ts); Astro's origin check would reject
  // loopback tests that post from another host name.
  security: { checkOrigin: false },
  devToolbar: { enabled: false },
  telemetry: false,
  vite: {
    // Never inline scripts or assets as data: URLs: the Content-Security-Policy allows 'self' only.
    build: { assetsInlineLimit: 0 },
  },
});
