import type { Runtime } from "../../compose";
import { seedIfEmpty } from "../../db/seed";
import { ACTING_ASSERTION_HEADER, assertionKey, signActingAssertion } from "../../platform/acting-assertion";
import { createSessions, SESSION_COOKIE } from "../../site/auth/session";
import { startProductionSite, TEST_SESSION_SECRET } from "./production-site";
import { startSiteRuntime } from "./site-runtime";

// The dashboard suites run twice: in demo mode, and with DEMO_MODE=false behind real sign-in, where
// the test speaks as a signed-in admin (a session cookie) and calls the API as that admin.

export const SITE_MODES = ["demo", "production"] as const;
export type SiteMode = (typeof SITE_MODES)[number];

const INTERNAL_TOKEN = "site-modes-internal-token-0123456789";
const ADMIN = { id: "alice@contoso.test", name: "Alice Admin", role: "admin" as const };

export interface SiteUnderTest {
  mode: SiteMode;
  url: string;
  runtime: Runtime;
  /** A dashboard request as the signed-in admin (production) or the demo user; cookies merge. */
  page(path: string, init?: RequestInit): Promise<Response>;
  /** An API request as an admin. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** Cookies a browser needs to be that user (production: the admin's session; demo: none). */
  cookies: { name: string; value: string; url: string }[];
  stop(): Promise<void>;
}

export async function startSiteInMode(
  mode: SiteMode,
  env: Record<string, string> = {},
): Promise<SiteUnderTest> {
  if (mode === "demo") {
    const site = await startSiteRuntime(env);
    return {
      mode,
      url: site.url,
      runtime: site.runtime,
      page: (path, init) => fetch(`${site.url}${path}`, { redirect: "manual", ...init }),
      api: (path, init) => fetch(`${site.url}${path}`, init),
      cookies: [],
      stop: () => site.stop(),
    };
  }
  const prod = await startProductionSite({ INTERNAL_API_TOKEN: INTERNAL_TOKEN, ...env });
  // The same demo data as demo mode seeds, so both runs see one world.
  await seedIfEmpty(prod.site.runtime.stores);
  const session = await createSessions(TEST_SESSION_SECRET).issue(ADMIN);
  const key = assertionKey(INTERNAL_TOKEN);
  return {
    mode,
    url: prod.url,
    runtime: prod.site.runtime,
    page(path, init = {}) {
      const headers = new Headers(init.headers);
      const cookie = headers.get("cookie");
      headers.set("cookie", `${SESSION_COOKIE}=${session}${cookie ? `; ${cookie}` : ""}`);
      return fetch(`${prod.url}${path}`, { redirect: "manual", ...init, headers });
    },
    async api(path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set(ACTING_ASSERTION_HEADER, await signActingAssertion(key, ADMIN));
      return fetch(`${prod.url}${path}`, { ...init, headers });
    },
    cookies: [{ name: SESSION_COOKIE, value: session, url: prod.url }],
    stop: () => prod.stop(),
  };
}
