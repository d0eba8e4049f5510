import type { MiddlewareHandler } from "hono";
import {
  ACTING_ASSERTION_HEADER,
  assertionKey,
  verifyActingAssertion,
} from "../../platform/acting-assertion";
import { identityOfClaims } from "../../platform/identity-claims";
import { merged } from "../../platform/merged";
import { sameSecret } from "../auth/internal-caller";
import { createTokenVerifier, oidcSettings, type TokenVerifier } from "../auth/jwt-verifier";
import { isRole, strongestRole } from "../auth/roles";
import { ApiError } from "../problem";
import type { ApiDeps, AppEnv, Principal } from "../types";

const PUBLIC_PATHS = new Set(["/api/health"]);
const USER = /^[\w.@+-]{1,128}$/;

const unauthorized = (detail: string) =>
  new ApiError(
    401,
    "unauthorized",
    "Sign-in required",
    detail,
    {},
    { "www-authenticate": 'Bearer realm="cloudops"' },
  );

/**
 * Who is calling, in this order: the dashboard with a signed assertion of its signed-in user; a
 * trusted internal caller (the bot) acting for a Teams user; in demo mode the demo user (role from
 * X-Demo-Role, admin by default); otherwise a Bearer JWT from the OIDC issuer.
 */
export function authenticate(deps: ApiDeps): MiddlewareHandler<AppEnv> {
  const settings = deps.config.demoMode ? null : oidcSettings(deps.config);
  let verifier: TokenVerifier | null = null;
  const siteKey = assertionKey(deps.config.api.internalToken);

  async function fromAssertion(token: string): Promise<Principal> {
    try {
      const identity = await verifyActingAssertion(siteKey, token);
      return merged(identity, { source: "site" as const });
    } catch {
      throw unauthorized("The dashboard's assertion is not valid (signature or expiry); sign in again");
    }
  }

  async function fromToken(header: string | undefined): Promise<Principal> {
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match?.[1]) throw unauthorized("Send Authorization: Bearer <token> from the organisation's sign-in");
    if (!settings) throw unauthorized("Sign-in is not configured on this server");
    verifier ??= createTokenVerifier(settings);
    let claims: Awaited<ReturnType<TokenVerifier>>;
    try {
      claims = await verifier(match[1]);
    } catch {
      throw unauthorized("The token is not valid for this API (signature, issuer, audience or expiry)");
    }
    const role = strongestRole(claims.roles);
    if (!role) {
      throw new ApiError(
        403,
        "no_role",
        "No role assigned",
        "The token carries no viewer, operator or admin role",
        {
          hint: "Ask an administrator to assign you an app role",
        },
      );
    }
    return merged(identityOfClaims(claims), { role, source: "api" as const });
  }

  function fromInternal(c: Parameters<MiddlewareHandler<AppEnv>>[0], token: string): Principal {
    if (!sameSecret(token, deps.config.api.internalToken))
      throw unauthorized("The internal token is not valid");
    const user = c.req.header("x-acting-user");
    const role = c.req.header("x-acting-role");
    const source = c.req.header("x-acting-source");
    if (!user || !USER.test(user) || !isRole(role) || (source !== "bot" && source !== "site")) {
      throw new ApiError(
        400,
        "invalid_acting_headers",
        "Acting headers missing or invalid",
        "Internal calls need X-Acting-User, X-Acting-Role (viewer|operator|admin) and X-Acting-Source (bot|site)",
      );
    }
    // Outside demo mode the dashboard speaks only for a signed-in person, through fromAssertion.
    if (source === "site" && !deps.config.demoMode)
      throw unauthorized("The dashboard calls the API with its signed-in user's assertion");
    return { id: user, name: user, role, source };
  }

  function fromDemo(c: Parameters<MiddlewareHandler<AppEnv>>[0]): Principal {
    const role = c.req.header("x-demo-role") ?? "admin";
    if (!isRole(role)) {
      throw new ApiError(
        400,
        "invalid_demo_role",
        "Unknown demo role",
        "X-Demo-Role must be viewer, operator or admin",
      );
    }
    const user = c.req.header("x-demo-user");
    const id = user && USER.test(user) ? user : "demo";
    return { id, name: id === "demo" ? "Demo User" : id, role, source: "api" };
  }

  return async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path)) return next();
    const assertion = c.req.header(ACTING_ASSERTION_HEADER);
    const internal = c.req.header("x-internal-token");
    const user = assertion
      ? await fromAssertion(assertion)
      : internal
        ? fromInternal(c, internal)
        : deps.config.demoMode
          ? fromDemo(c)
          : await fromToken(c.req.header("authorization"));
    c.set("user", user);
    c.set("audit", {});
    await next();
  };
}
