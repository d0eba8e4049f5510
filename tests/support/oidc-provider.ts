import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider, { type ProviderContext } from "oidc-provider";

// A real, certified OpenID provider (oidc-provider) on a loopback port, with test users whose ID
// tokens carry an Entra-style `roles` claim. Its development login form takes any listed login
// name (the password is not checked); there is no consent screen for the dashboard client.

export interface TestUser {
  name: string;
  email: string;
  roles: string[];
}

export const TEST_USERS: Record<string, TestUser> = {
  alice: { name: "Alice Admin", email: "alice@contoso.test", roles: ["CloudOps.Admin"] },
  olga: { name: "Olga Operator", email: "olga@contoso.test", roles: ["CloudOps.Operator"] },
  vera: { name: "Vera Viewer", email: "vera@contoso.test", roles: ["CloudOps.Viewer"] },
  nora: { name: "Nora Nobody", email: "nora@contoso.test", roles: ["Something.Else"] },
};

export const TEST_CLIENT_ID = "cloudops-dashboard";
export const TEST_CLIENT_SECRET = "test-client-secret-0123456789abcdef";
export const TEST_PUBLIC_CLIENT_ID = "cloudops-dashboard-public";

export const TEST_CERT_CLIENT_ID = "cloudops-dashboard-certificate";

export interface TestIdentityProvider {
  issuer: string;
  /** The decoded JOSE headers of every client assertion (private_key_jwt) the token endpoint accepted. */
  clientAssertionHeaders: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Starts the provider; `dashboardUrl` is the PUBLIC_URL of the dashboard that signs in with it. */
export async function startTestIdentityProvider(
  dashboardUrl: string,
  options: { rpInitiatedLogout?: boolean; certificateClientJwk?: Record<string, unknown> } = {},
): Promise<TestIdentityProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: TEST_CLIENT_ID,
        client_secret: TEST_CLIENT_SECRET,
        redirect_uris: [`${dashboardUrl}/auth/callback`],
        post_logout_redirect_uris: [`${dashboardUrl}/auth/signed-out`],
        response_types: ["code"],
        grant_types: ["authorization_code"],
        token_endpoint_auth_method: "client_secret_post",
      },
      {
        // A public client: no secret, PKCE only.
        client_id: TEST_PUBLIC_CLIENT_ID,
        redirect_uris: [`${dashboardUrl}/auth/callback`],
        post_logout_redirect_uris: [`${dashboardUrl}/auth/signed-out`],
        response_types: ["code"],
        grant_types: ["authorization_code"],
        token_endpoint_auth_method: "none",
      },
      ...(options.certificateClientJwk
        ? [
            {
              // Certificate credentials: the client proves itself with a JWT signed by its private key.
              client_id: TEST_CERT_CLIENT_ID,
              redirect_uris: [`${dashboardUrl}/auth/callback`],
              post_logout_redirect_uris: [`${dashboardUrl}/auth/signed-out`],
              response_types: ["code"] as const,
              grant_types: ["authorization_code"],
              token_endpoint_auth_method: "private_key_jwt",
              jwks: { keys: [options.certificateClientJwk] },
            },
          ]
        : []),
    ],
    // Roles travel in the ID token, as Entra ID puts app roles there.
    claims: { openid: ["sub", "roles"], profile: ["name", "preferred_username"], email: ["email"] },
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    findAccount: (_ctx: unknown, id: string) => {
      const user = TEST_USERS[id];
      if (!user) return undefined;
      return {
        accountId: id,
        claims: async () => ({
          sub: id,
          name: user.name,
          preferred_username: user.email,
          email: user.email,
          roles: user.roles,
        }),
      };
    },
    // First-party client: no consent screen.
    loadExistingGrant: async (ctx: ProviderContext) => {
      const clientId = ctx.oidc.client?.clientId;
      const accountId = ctx.oidc.session?.accountId;
      if (!clientId || !accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId, accountId });
      grant.addOIDCScope("openid profile email");
      await grant.save();
      return grant;
    },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: options.rpInitiatedLogout ?? true },
    },
    cookies: { keys: ["test-provider-cookie-key-0123456789"] },
    ttl: { AuthorizationCode: 120, IdToken: 600, Session: 3600, Interaction: 600, Grant: 3600 },
  });
  const clientAssertionHeaders: Record<string, unknown>[] = [];
  provider.use(async (ctx, next) => {
    await next();
    const assertion = ctx.oidc?.params?.client_assertion;
    if (ctx.path === "/token" && ctx.status === 200 && typeof assertion === "string") {
      const [header = ""] = assertion.split(".");
      clientAssertionHeaders.push(JSON.parse(Buffer.from(header, "base64url").toString("utf8")));
    }
  });
  server.on("request", provider.callback());
  return {
    issuer,
    clientAssertionHeaders,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
