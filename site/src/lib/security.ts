import { randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Content-Security-Policy for every dashboard response: scripts, styles and connections from this
 * origin only, no inline script or style, no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const CSRF_COOKIE = "cloudops_csrf";
export const CSRF_FIELD = "_csrf";

export function newToken(): string {
  return randomBytes(24).toString("base64url");
}

export function tokensMatch(a: string | undefined | null, b: string | undefined | null): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * A cross-site form post fails either check: the browser sends its own Origin (or a cross-site
 * Sec-Fetch-Site), and it cannot read our cookie to copy the token into the form (double submit).
 */
export function originAllowed(request: Request): boolean {
  const site = request.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") return false;
  const origin = request.headers.get("origin");
  if (!origin) return true;
  const host = request.headers.get("host");
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
