/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    cloudops: import("./lib/site-locals").SiteLocals;
    /** Set by src/middleware.ts for every request. */
    role: import("./lib/site-locals").Role;
    /** The acting person's id (the API's audit actor) and display name. */
    user: string;
    userName: string;
    csrfToken: string;
    /** Per-response nonce-free CSP is static; kept here so pages can read what was sent. */
    api: import("./lib/api-client").ApiClient;
  }
}
