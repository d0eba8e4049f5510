/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    cloudops: import("./lib/site-locals").SiteLocals;
    /** Set by src/middleware.ts for every request. */
    role: import("./lib/site-locals").Role;
    user: string;
    csrfToken: string;
    /** Per-response nonce-free CSP is static; kept here so pages can read what was sent. */
    api: import("./lib/api-client").ApiClient;
  }
}
