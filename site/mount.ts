import { existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Hono } from "hono";
import type { Config } from "../config";
import { assertionKey } from "../platform/acting-assertion";
import { createAssetCache } from "../platform/asset-cache";
import type { Logger } from "../platform/logger";
import { createGuard } from "./auth/guard";
import { createSessions } from "./auth/session";
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

// Paths that belong to other rooms (or to the sign-in routes); the site never answers them.
const NOT_OURS = /^\/(api|emulator|health|docs|swagger|openapi\.json|auth)(\/|$)/;

/**
 * Mounts the built Astro dashboard after the API routes: hashed assets from dist/client with long
 * cache headers, then Astro's middleware handler on the raw Node request. Returns false when the
 * dashboard has not been built (start.mjs builds it before `npm start` serves).
 */
export async function mountSite(app: Hono, config: Config, logger: Logger): Promise<boolean> {
  if (!existsSync(SITE_ENTRY)) {
    logger.warn("dashboard not built; run `npm run build` (npm start builds it once)");
    return false;
  }
  // Astro's server bundle loads on the first page request, not at start: an API-only or idle process
  // does not carry it (about 5 MB), and the first page pays the import once.
  let loaded: Promise<AstroHandler> | null = null;
  const astroHandler = () => {
    loaded ??= (import(SITE_ENTRY) as Promise<{ handler: AstroHandler }>).then(
      (m) => m.handler,
      (error: unknown) => {
        loaded = null; // the next request tries again
        throw error;
      },
    );
    return loaded;
  };

  // Hashed build output never changes under its name: cached for a year, compressed once in memory.
  const hashed = createAssetCache(join(SITE_CLIENT_DIR, "_astro"), "public, max-age=31536000, immutable");
  const publicFiles = createAssetCache(SITE_CLIENT_DIR, "public, max-age=3600");
  app.get("/_astro/*", async (c, next) => {
    const found = await hashed(c.req.path.slice("/_astro/".length), c.req.raw.headers);
    return found ?? next();
  });
  app.get("/favicon.svg", async (c, next) => (await publicFiles("favicon.svg", c.req.raw.headers)) ?? next());

  const secureCookies = config.publicUrl.startsWith("https://");
  const key = assertionKey(config.api.internalToken);
  const guard = config.demoMode ? null : await createSignIn(app, config, logger, secureCookies);

  app.use("*", async (c, next) => {
    const env = c.env as NodeBindings | undefined;
    const incoming = env?.incoming;
    const outgoing = env?.outgoing;
    if (!incoming || !outgoing || NOT_OURS.test(c.req.path)) return next();
    const outcome = guard ? await guard(c) : null;
    if (outcome?.kind === "respond") return outcome.response;
    let passed = false;
    const fallThrough = () => {
      passed = true;
    };
    const handler = await astroHandler();
    await handler(incoming, outgoing, fallThrough, {
      cloudops: {
        apiBase: loopbackBase(incoming),
        assertionKey: key,
        demoMode: config.demoMode,
        secureCookies,
        signedIn: outcome?.kind === "pass" ? outcome.user : null,
        setCookies: outcome?.kind === "pass" ? outcome.setCookies : [],
      },
    });
    if (passed) return next();
    return RESPONSE_ALREADY_SENT;
  });
  return true;
}

/** Production mode: the /auth routes and the guard every dashboard request passes (site/auth). */
async function createSignIn(app: Hono, config: Config, logger: Logger, secureCookies: boolean) {
  // The OpenID client loads here, in production only: a demo start does not carry it.
  const [{ loadClientCertificate }, { createRelyingParty }, { registerSignIn }] = await Promise.all([
    import("./auth/client-certificate"),
    import("./auth/oidc-rp"),
    import("./auth/sign-in"),
  ]);
  const tenant = config.azure.tenantId;
  const issuer =
    config.auth.oidcIssuer ?? (tenant ? `https://login.microsoftonline.com/${tenant}/v2.0` : undefined);
  const { oidcClientId: clientId, oidcClientSecret: clientSecret, sessionSecret } = config.auth;
  // config.ts refuses DEMO_MODE=false without these for the roles that mount the site.
  if (!issuer || !clientId || !sessionSecret) throw new Error("production sign-in is not configured");
  const certificatePath = config.auth.oidcClientCertificatePath;
  const certificate = certificatePath
    ? loadClientCertificate(
        certificatePath,
        "OIDC_CLIENT_CERTIFICATE_PATH (or AZURE_CLIENT_CERTIFICATE_PATH)",
      )
    : undefined;
  if (certificate) {
    logger.info("dashboard sign-in uses certificate credentials", {
      subject: certificate.subject,
      validTo: certificate.validTo,
      x5t: certificate.x5t,
    });
  }
  const sessions = createSessions(sessionSecret);
  const rp = createRelyingParty({
    issuer,
    clientId,
    clientSecret,
    certificate,
    redirectUri: `${config.publicUrl}/auth/callback`,
    postLogoutRedirectUri: `${config.publicUrl}/auth/signed-out`,
  });
  registerSignIn(app, { rp, sessions, sessionSecret, publicUrl: config.publicUrl, secureCookies, logger });
  return createGuard(sessions, secureCookies);
}

// The API runs in this process (the site is mounted for ROLE all|api only): call it on the very socket
// address that received the request, which also works with PORT=0 and HOST=0.0.0.0.
function loopbackBase(req: IncomingMessage): string {
  let address = req.socket.localAddress ?? "127.0.0.1";
  if (address.startsWith("::ffff:")) address = address.slice(7);
  const host = address.includes(":") ? `[${address}]` : address;
  return `http://${host}:${req.socket.localPort}`;
}
