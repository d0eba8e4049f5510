import { html } from "../src/lib/escape";
import { CONTENT_SECURITY_POLICY } from "../src/lib/security";

// The few pages the sign-in layer answers itself (before the dashboard renders anything): plain,
// script-free HTML under the dashboard's Content-Security-Policy.

export interface AuthPage {
  title: string;
  message: string;
  /** A next step: sign in again, sign out, back to the dashboard. */
  link?: { href: string; label: string };
  /** Who is signed in, when someone is. */
  signedInAs?: string;
  /** A stable code for support and tests (e.g. state_mismatch). */
  code?: string;
}

export function authPage(status: number, page: AuthPage, headers: Record<string, string> = {}): Response {
  const body = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<title>${page.title} · CloudOps</title></head>
<body><main id="main">
<h1>${page.title}</h1>
<p>${page.message}</p>
${page.signedInAs ? html`<p>Signed in as <strong data-signed-in-as>${page.signedInAs}</strong>.</p>` : ""}
${page.link ? html`<p><a href="${page.link.href}">${page.link.label}</a></p>` : ""}
${page.code ? html`<p><small>Code: <code data-code>${page.code}</code></small></p>` : ""}
</main></body></html>`;
  return new Response(body.value, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": CONTENT_SECURITY_POLICY,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      "referrer-policy": "same-origin",
      ...headers,
    },
  });
}

/** A refusal of a fragment, stream or form post: no page around it, nothing changed. */
export function plainRefusal(status: 401 | 403 | 404, message: string, headers: Record<string, string> = {}) {
  return new Response(message, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}
