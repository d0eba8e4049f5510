import { startSeededKubeApiServer } from "../doubles/kube-api-server";
import {
  startTestIdentityProvider,
  TEST_CLIENT_ID,
  TEST_CLIENT_SECRET,
  type TestIdentityProvider,
} from "./oidc-provider";
import { freePort } from "./sign-in-agent";
import { type SiteRuntime, startSiteRuntime } from "./site-runtime";

export const TEST_SESSION_SECRET = "test-session-secret-for-the-dashboard-0123456789";

type ProviderOptions = Parameters<typeof startTestIdentityProvider>[1];

export interface ProductionSite {
  site: SiteRuntime;
  idp: TestIdentityProvider;
  url: string;
  stop(): Promise<void>;
}

/** The whole process with DEMO_MODE=false, signing in against a real OpenID provider on loopback. */
export async function startProductionSite(
  env: Record<string, string> = {},
  options: ProviderOptions = {},
): Promise<ProductionSite> {
  // The port is chosen before the provider (its redirect URI names it) and bound later: another process
  // may take it in between, so try a fresh port then.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePort(env, options);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt >= 3) throw error;
    }
  }
}

async function startOnFreePort(
  env: Record<string, string>,
  options: ProviderOptions,
): Promise<ProductionSite> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const idp = await startTestIdentityProvider(url, options);
  // Production mode runs Kubernetes tasks against a real API server only: the double, through a kubeconfig.
  const cluster = await startSeededKubeApiServer(20);
  const site = await startSiteRuntime(
    {
      KUBECONFIG: cluster.kubeconfigPath,
      KUBE_CONTEXT: "double",
      DEMO_MODE: "false",
      PUBLIC_URL: url,
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: TEST_CLIENT_ID,
      OIDC_CLIENT_SECRET: TEST_CLIENT_SECRET,
      OIDC_AUDIENCE: TEST_CLIENT_ID,
      OIDC_JWKS_URL: `${idp.issuer}/jwks`,
      SESSION_SECRET: TEST_SESSION_SECRET,
      ...env,
    },
    { port },
  );
  return {
    site,
    idp,
    url,
    async stop() {
      await site.stop();
      await idp.close();
      await cluster.close();
    },
  };
}
