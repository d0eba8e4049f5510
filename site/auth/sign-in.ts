import type { Context, Hono } from "hono";
import { parse, serialize } from "hono/utils/cookie";
import { identityOfClaims, strongestRole } from "../../platform/identity-claims";
import type { Logger } from "../../platform/logger";
import { originAllowed } from "../src/lib/security";
import type { RelyingParty } from "./oidc-rp";
import { authPage } from "./pages";
import { createSealer, SESSION_COOKIE, type Sessions } from "./session";
import { SignInError } from "./sign-in-error";

// /auth/login, /auth/callback, /auth/logout and /auth/signed-out of the dashboard in production mode.

export const LOGIN_COOKIE = "cloudops_login";
const LOGIN_TTL_S = 600;

export interface SignInDeps {
  rp: RelyingParty;
  sessions: Sessions;
  sessionSecret: string;
  publicUrl: string;
  secureCookies: boolean;
  logger: Logger;
}

/** Builds Set-Cookie values with the dashboard's attributes (HttpOnly, SameSite=Lax, Secure on https). */
export function cookieWriter(secure: boolean) {
  return {
    set: (name: string, value: string, maxAge: number, path = "/") =>
      serialize(name, value, { path, maxAge, httpOnly: true, sameSite: "Lax", secure }),
    clear: (name: string, path = "/") =>
      serialize(name, "", { path, maxAge: 0, httpOnly: true, sameSite: "Lax", secure }),
  };
}

export function readCookie(c: Context, name: string): string | undefined {
  const header = c.req.header("cookie");
  return header ? parse(header, name)[name] : undefined;
}

/** A same-site path to return to after sign-in; anything else goes home. */
export function safeReturnTo(value: string | undefined): string {
  if (!value?.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return "/";
  if (value.startsWith("/auth/")) return "/";
  return value.slice(0, 2000);
}

export function registerSignIn(app: Hono, deps: SignInDeps): void {
  const { rp, sessions, logger } = deps;
  const cookies = cookieWriter(deps.secureCookies);
  const logins = createSealer(deps.sessionSecret, "login transaction");
  const now = () => Math.floor(Date.now() / 1000);
  const signInAgain = { href: "/auth/login", label: "Sign in again" };

  app.get("/auth/login", async (c) => {
    let started: Awaited<ReturnType<RelyingParty["start"]>>;
    try {
      started = await rp.start();
    } catch (error) {
      logger.error("sign-in could not start: the OpenID provider did not answer", { error });
      return authPage(503, {
        title: "Sign-in is unavailable",
        message: "The organisation's sign-in service did not answer. Try again in a minute.",
        link: signInAgain,
        code: "provider_unreachable",
      });
    }
    const returnTo = safeReturnTo(c.req.query("returnTo"));
    const sealed = await logins.seal({ ...started.transaction, returnTo }, now() + LOGIN_TTL_S);
    return new Response(null, {
      status: 302,
      headers: {
        location: started.url.href,
        "set-cookie": cookies.set(LOGIN_COOKIE, sealed, LOGIN_TTL_S, "/auth/"),
        "cache-control": "no-store",
      },
    });
  });

  app.get("/auth/callback", async (c) => {
    // The login cookie is single-use: whatever happens next, it is gone.
    const clearLogin = { "set-cookie": cookies.clear(LOGIN_COOKIE, "/auth/") };
    const tx = await logins.open(readCookie(c, LOGIN_COOKIE), now());
    if (
      !tx ||
      typeof tx.state !== "string" ||
      typeof tx.nonce !== "string" ||
      typeof tx.verifier !== "string"
    ) {
      return authPage(
        400,
        {
          title: "This sign-in has expired",
          message: "The sign-in took too long or was started in another browser. Start it again.",
          link: signInAgain,
          code: "login_expired",
        },
        clearLogin,
      );
    }
    const callbackUrl = new URL(`${deps.publicUrl}/auth/callback`);
    callbackUrl.search = new URL(c.req.url).search;
    let claims: Record<string, unknown>;
    try {
      claims = await rp.finish(callbackUrl, { state: tx.state, nonce: tx.nonce, verifier: tx.verifier });
    } catch (error) {
      const code = error instanceof SignInError ? error.code : "provider_unreachable";
      logger.warn("sign-in refused", {
        code,
        reason: error instanceof Error ? error.message : String(error),
      });
      return authPage(
        code === "provider_unreachable" ? 503 : 400,
        {
          title: "Sign-in failed",
          message: "The answer from the sign-in service could not be accepted, so you are not signed in.",
          link: signInAgain,
          code,
        },
        clearLogin,
      );
    }
    const user = { ...identityOfClaims(claims), role: strongestRole(claims.roles) };
    const value = await sessions.issue(user);
    logger.info("dashboard sign-in", { user: user.id, role: user.role ?? "none" });
    const headers = new Headers({ location: safeReturnTo(tx.returnTo as string | undefined) });
    headers.append("set-cookie", clearLogin["set-cookie"]);
    headers.append("set-cookie", cookies.set(SESSION_COOKIE, value, sessions.maxAge({ signedInAt: now() })));
    headers.set("cache-control", "no-store");
    return new Response(null, { status: 303, headers });
  });

  const logout = async (c: Context) => {
    // A cross-site page must not be able to sign people out (or probe whether they are signed in).
    if (!originAllowed(c.req.raw)) {
      return authPage(403, { title: "Sign-out refused", message: "Sign out from the dashboard itself." });
    }
    const session = await sessions.read(readCookie(c, SESSION_COOKIE));
    if (session) logger.info("dashboard sign-out", { user: session.session.id });
    const endSession = await rp.logoutUrl();
    return new Response(null, {
      status: 303,
      headers: {
        location: endSession?.href ?? "/auth/signed-out",
        "set-cookie": cookies.clear(SESSION_COOKIE),
        "cache-control": "no-store",
      },
    });
  };
  app.get("/auth/logout", logout);
  app.post("/auth/logout", logout);

  app.get("/auth/signed-out", () =>
    authPage(200, {
      title: "You are signed out",
      message: "Your CloudOps session has ended.",
      link: { href: "/auth/login", label: "Sign in" },
    }),
  );
}
