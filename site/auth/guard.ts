import type { Context } from "hono";
import type { ClaimsRole } from "../../platform/identity-claims";
import { authPage, plainRefusal } from "./pages";
import { SESSION_COOKIE, type Sessions } from "./session";
import { cookieWriter, readCookie } from "./sign-in";

export interface SignedInUser {
  id: string;
  name: string;
  role: ClaimsRole;
}

export type GuardOutcome =
  | { kind: "pass"; user: SignedInUser; setCookies: string[] }
  | { kind: "respond"; response: Response };

/** Paths the dashboard does not serve in production mode at all (the Teams emulator's chat). */
const DEMO_ONLY = /^\/chat(\/|$)/;

/**
 * What a dashboard request gets in production mode. A page GET without a session is sent to sign in
 * (and back here after); a fragment, live stream or form post gets 401 and reaches nothing. A
 * signed-in person without a CloudOps role sees why, and may sign out.
 */
export function createGuard(sessions: Sessions, secureCookies: boolean) {
  const cookies = cookieWriter(secureCookies);

  return async (c: Context): Promise<GuardOutcome> => {
    const path = c.req.path;
    if (DEMO_ONLY.test(path)) return { kind: "respond", response: plainRefusal(404, "Not found") };
    const raw = readCookie(c, SESSION_COOKIE);
    const found = await sessions.read(raw);
    const isPage = isPageRequest(c);
    if (!found) {
      // A tampered or expired cookie is dropped so the browser stops sending it.
      const clear: Record<string, string> = raw ? { "set-cookie": cookies.clear(SESSION_COOKIE) } : {};
      if (isPage) {
        const url = new URL(c.req.url);
        const returnTo = encodeURIComponent(`${url.pathname}${url.search}`);
        return {
          kind: "respond",
          response: new Response(null, {
            status: 302,
            headers: { location: `/auth/login?returnTo=${returnTo}`, "cache-control": "no-store", ...clear },
          }),
        };
      }
      return {
        kind: "respond",
        response: plainRefusal(401, "Sign-in required: reload the page to sign in.", clear),
      };
    }
    const { session, renewed } = found;
    if (!session.role) {
      if (!isPage) return { kind: "respond", response: plainRefusal(403, "You have no CloudOps role.") };
      return {
        kind: "respond",
        response: authPage(403, {
          title: "You have no CloudOps role",
          message:
            "You signed in, but your account has none of the CloudOps app roles (CloudOps.Viewer, CloudOps.Operator, CloudOps.Admin). Ask an administrator to assign you one, then sign in again.",
          signedInAs: session.name === session.id ? session.id : `${session.name} (${session.id})`,
          link: { href: "/auth/logout", label: "Sign out" },
          code: "no_role",
        }),
      };
    }
    const setCookies = renewed ? [cookies.set(SESSION_COOKIE, renewed, sessions.maxAge(session))] : [];
    return { kind: "pass", user: { id: session.id, name: session.name, role: session.role }, setCookies };
  };
}

/** A top-level page load, as opposed to an htmx fragment, a live stream or a form post. */
function isPageRequest(c: Context): boolean {
  const method = c.req.method;
  if (method !== "GET" && method !== "HEAD") return false;
  if (c.req.header("hx-request")) return false;
  if (c.req.path.startsWith("/live/")) return false;
  // An image, script or favicon fetch must not start a sign-in: it would replace the login cookie of
  // the real navigation (and the provider's page cannot load as an image anyway).
  const dest = c.req.header("sec-fetch-dest");
  if (dest && dest !== "document") return false;
  return !(c.req.header("accept") ?? "").includes("text/event-stream");
}
