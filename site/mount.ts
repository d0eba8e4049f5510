import { existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { serveStatic } from "@hono/node-server/serve-static";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Hono } from "hono";
import type { Config } from "../config";
import type { Logger } from "../platform/logger";
import { SITE_CLIENT_DIR, SITE_ENTRY } from "./build-state";
import type { SiteLocals } from "./src/lib/site-locals";

type AstroHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next: () => void,
  locals: { cloudops: SiteLocals },
) => Promise<void>;

interface NodeBindings {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
}

// Paths that belong to other rooms; the site never answers them.
const NOT_OURS = /^\/(api|emulator|health|docs|swagger|openapi\.json)(\/|$)/;

/**
 * Mounts the built Astro dashboard after the API routes: hashed assets from dist/client with long
 * cache headers, then Astro's middleware handler on the raw Node request. Returns false when the
 * dashboard has not been built (main.ts's prestart builds it).
 */
export async function mountSite(app: Hono, config: Config, logger: Logger): Promise<boolean> {
  if (!existsSync(SITE_ENTRY)) {
    logger.warn("dashboard not built; run `npm run build` (npm start builds it once)");
    return false;
  }
  const { handler } = (await import(SITE_ENTRY)) as { handler: AstroHandler };

  app.use(
    "/_astro/*",
    serveStatic({
      root: SITE_CLIENT_DIR,
      onFound: (_path, c) => c.header("Cache-Control", "public, max-age=31536000, immutable"),
    }),
  );
  app.use(
    "/favicon.svg",
    serveStatic({
      root: SITE_CLIENT_DIR,
      onFound: (_path, c) => c.header("Cache-Control", "public, max-age=3600"),
    }),
  );

  app.use("*", async (c, next) => {
    const env = c.env as NodeBindings | undefined;
    const incoming = env?.incoming;
    const outgoing = env?.outgoing;
    if (!incoming || !outgoing || NOT_OURS.test(c.req.path)) return next();
    let passed = false;
    const fallThrough = () => {
      passed = true;
    };
    await handler(incoming, outgoing, fallThrough, {
      cloudops: {
        apiBase: loopbackBase(incoming),
        internalToken: config.api.internalToken,
        demoMode: config.demoMode,
        secureCookies: config.publicUrl.startsWith("https://"),
      },
    });
    if (passed) return next();
    return RESPONSE_ALREADY_SENT;
  });
  return true;
}

// The API runs in this process (the site is mounted for ROLE all|api only): call it on the very socket
// address that received the request, which also works with PORT=0 and HOST=0.0.0.0.
function loopbackBase(req: IncomingMessage): string {
  let address = req.socket.localAddress ?? "127.0.0.1";
  if (address.startsWith("::ffff:")) address = address.slice(7);
  const host = address.includes(":") ? `[${address}]` : address;
  return `http://${host}:${req.socket.localPort}`;
}
