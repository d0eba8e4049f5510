import { createRemoteJWKSet, type JWTPayload, jwtVerify } from "jose";
import type { Config } from "../../config";

export interface OidcSettings {
  issuer: string;
  audience: string | undefined;
  jwksUrl: string;
}

/**
 * Issuer, audience and JWKS for production sign-in. Without OIDC_ISSUER the Microsoft Entra ID v2
 * issuer of AZURE_TENANT_ID is used; the audience defaults to AZURE_CLIENT_ID.
 */
export function oidcSettings(config: Config): OidcSettings | null {
  const tenant = config.azure.tenantId;
  const issuer =
    config.auth.oidcIssuer ?? (tenant ? `https://login.microsoftonline.com/${tenant}/v2.0` : undefined);
  if (!issuer) return null;
  const jwksUrl =
    config.auth.oidcJwksUrl ??
    (tenant && !config.auth.oidcIssuer
      ? `https://login.microsoftonline.com/${tenant}/discovery/v2.0/keys`
      : `${issuer.replace(/\/$/, "")}/discovery/v2.0/keys`);
  return { issuer, audience: config.auth.oidcAudience ?? config.azure.clientId, jwksUrl };
}

export type TokenVerifier = (token: string) => Promise<JWTPayload>;

/** Verifies a Bearer JWT's signature (keys fetched and cached from the JWKS), issuer, audience and expiry. */
export function createTokenVerifier(settings: OidcSettings): TokenVerifier {
  const keys = createRemoteJWKSet(new URL(settings.jwksUrl), { cooldownDuration: 30_000 });
  return async (token) => {
    const { payload } = await jwtVerify(token, keys, {
      issuer: settings.issuer,
      ...(settings.audience ? { audience: settings.audience } : {}),
      clockTolerance: 30,
    });
    return payload;
  };
}
