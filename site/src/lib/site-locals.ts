/** What compose.ts hands every dashboard request (Astro `locals.cloudops`); site code reads no env. */
export interface SiteLocals {
  /** Base URL of the API in this process, e.g. http://127.0.0.1:3000. */
  apiBase: string;
  /** Sent as X-Internal-Token so the API acts as the dashboard user (config.api.internalToken). */
  internalToken: string;
  demoMode: boolean;
  secureCookies: boolean;
}

export type Role = "viewer" | "operator" | "admin";
export const ROLES: readonly Role[] = ["viewer", "operator", "admin"];

export function isRole(value: unknown): value is Role {
  return value === "viewer" || value === "operator" || value === "admin";
}

/** The demo role switch on /settings stores the acting role here. */
export const ROLE_COOKIE = "cloudops_role";
