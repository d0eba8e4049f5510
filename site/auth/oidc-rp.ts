import * as oidc from "openid-client";
import { type ClientCertificate, privateKeyJwtAuth } from "./client-certificate";
import { SignInError } from "./sign-in-error";

export { SignInError };

// The dashboard as an OpenID Connect relying party: authorization code flow with PKCE (S256), state
// and nonce, through openid-client (certified). Discovery happens at the first sign-in, not at
// start-up, so the process starts while the provider is unreachable and retries on the next login.

export interface RpSettings {
  issuer: string;
  clientId: string;
  /** Absent (and no certificate): a public client (PKCE only, no client authentication). */
  clientSecret: string | undefined;
  /** Certificate credentials (private_key_jwt); preferred over the secret when both are set. */
  certificate?: ClientCertificate | undefined;
  redirectUri: string;
  postLogoutRedirectUri: string;
}

/** What the browser must bring back to /auth/callback (kept in the encrypted login cookie). */
export interface LoginTransaction {
  state: string;
  nonce: string;
  verifier: string;
}

const LOOPBACK = /^http:\/\/(127(\.\d{1,3}){3}|localhost|\[::1\])(:\d+)?(\/|$)/;

export function createRelyingParty(settings: RpSettings) {
  let configuration: Promise<oidc.Configuration> | null = null;

  function discover(): Promise<oidc.Configuration> {
    configuration ??= clientAuthentication()
      .then(({ secret, auth }) =>
        oidc.discovery(
          new URL(settings.issuer),
          settings.clientId,
          secret,
          auth,
          // Plain http only for a provider on this machine (tests, local development).
          LOOPBACK.test(settings.issuer) ? { execute: [oidc.allowInsecureRequests] } : undefined,
        ),
      )
      .catch((error: unknown) => {
        configuration = null;
        throw new SignInError("provider_unreachable", `OpenID discovery failed: ${describe(error)}`);
      });
    return configuration;
  }

  async function clientAuthentication(): Promise<{ secret?: string; auth?: oidc.ClientAuth }> {
    if (settings.certificate) return { auth: await privateKeyJwtAuth(settings.certificate) };
    if (settings.clientSecret) return { secret: settings.clientSecret };
    return { auth: oidc.None() };
  }

  return {
    /** A fresh transaction and the provider URL that starts it. */
    async start(): Promise<{ url: URL; transaction: LoginTransaction }> {
      const config = await discover();
      const transaction = {
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        verifier: oidc.randomPKCECodeVerifier(),
      };
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUri,
        scope: "openid profile email",
        response_type: "code",
        code_challenge: await oidc.calculatePKCECodeChallenge(transaction.verifier),
        code_challenge_method: "S256",
        state: transaction.state,
        nonce: transaction.nonce,
      });
      return { url, transaction };
    },

    /** Redeems the code of `callbackUrl` and returns the verified ID token's claims. */
    async finish(callbackUrl: URL, transaction: LoginTransaction): Promise<Record<string, unknown>> {
      const config = await discover();
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: transaction.verifier,
          expectedState: transaction.state,
          expectedNonce: transaction.nonce,
          idTokenExpected: true,
        });
      } catch (error) {
        throw classify(error);
      }
      const claims = tokens.claims();
      if (!claims) throw new SignInError("id_token_invalid", "The provider sent no ID token");
      return claims as Record<string, unknown>;
    },

    /** Where to send the browser to end the provider's session too; null when it offers no logout. */
    async logoutUrl(): Promise<URL | null> {
      const config = await discover().catch(() => null);
      if (!config?.serverMetadata().end_session_endpoint) return null;
      return oidc.buildEndSessionUrl(config, {
        client_id: settings.clientId,
        post_logout_redirect_uri: settings.postLogoutRedirectUri,
      });
    },
  };
}

export type RelyingParty = ReturnType<typeof createRelyingParty>;

function classify(error: unknown): SignInError {
  if (error instanceof oidc.AuthorizationResponseError) {
    return new SignInError("provider_refused", `The provider answered ${error.error}`);
  }
  if (error instanceof oidc.ResponseBodyError) {
    // invalid_grant: the code was used already, expired, or was not issued for this verifier.
    return new SignInError("code_rejected", `The token endpoint answered ${error.error}`);
  }
  // openid-client wraps the precise reason (e.g. 'unexpected "state" response parameter value') in `cause`.
  const cause = (error as { cause?: unknown }).cause;
  const message = cause instanceof Error ? `${describe(error)}: ${cause.message}` : describe(error);
  const code = (error as { code?: unknown }).code;
  if (/state/i.test(message)) return new SignInError("state_mismatch", message);
  if (code === "OAUTH_JWT_CLAIM_COMPARISON_FAILED" || /nonce|id_token|JWT/i.test(message)) {
    return new SignInError("id_token_invalid", message);
  }
  return new SignInError("provider_unreachable", message);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
