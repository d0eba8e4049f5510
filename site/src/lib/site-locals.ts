/** What compose.ts hands every dashboard request (Astro `locals.cloudops`); site code reads no env. */
export interface SiteLocals {
  /** Base URL of the API in this process, e.g. http://127.0.0.1:3000. */
  apiBase: string;
  /** Signs the short-lived assertion with which every API call names the acting person (acting-identity.ts). */
  assertionKey: Uint8Array;
  demoMode: boolean;
  secureCookies: boolean;
  /** Production mode: the signed-in person; the sign-in layer (site/auth) lets only people with a role through. */
  signedIn: { id: string; name: string; role: Role } | null;
  /** Set-Cookie values the sign-in layer adds to the response (a renewed session). */
  setCookies: string[];
}

export type Role = "viewer" | "operator" | "admin";
export const ROLES: readonly Role[] = ["viewer", "operator", "admin"];

export function isRole(value: unknown): value is Role {
  return value === "viewer" || value === "operator" || value === "admin";
}

/** The demo role switch on /settings stores the acting role here; production mode ignores it. */
export const ROLE_COOKIE = "cloudops_role";
