import { defineMiddleware } from "astro:middleware";
import { compressResponse } from "../../platform/http-compression";
import { createApiClient } from "./lib/api-client";
import {
  CONTENT_SECURITY_POLICY,
  CSRF_COOKIE,
  CSRF_FIELD,
  newToken,
  originAllowed,
  tokensMatch,
} from "./lib/security";
import { isRole, ROLE_COOKIE } from "./lib/site-locals";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

// Every dashboard request: who acts (the signed-in person; in demo the demo user with the role cookie),
// CSRF check on posts, security headers out.
export const onRequest = defineMiddleware(async (context, next) => {
  const { cookies, locals, request } = context;
  const site = locals.cloudops;
  if (site.demoMode) {
    const roleCookie = cookies.get(ROLE_COOKIE)?.value;
    locals.role = isRole(roleCookie) ? roleCookie : "admin";
    locals.user = "dashboard-user";
    locals.userName = "Demo user";
  } else if (site.signedIn) {
    // The role cookie means nothing here: the role is the ID token's, checked by site/auth.
    locals.role = site.signedIn.role;
    locals.user = site.signedIn.id;
    locals.userName = site.signedIn.name;
  } else {
    // site/mount.ts answers unsigned requests before Astro; this is a second lock on the same door.
    return withHeaders(new Response("Sign-in required", { status: 401 }));
  }
  locals.api = createApiClient(site, { id: locals.user, name: locals.userName, role: locals.role });

  let token = cookies.get(CSRF_COOKIE)?.value;
  if (!token) {
    token = newToken();
    cookies.set(CSRF_COOKIE, token, {
      path: "/",
      httpOnly: true,
      sameSite: "strict",
      secure: site.secureCookies,
    });
  }
  locals.csrfToken = token;

  if (UNSAFE.has(request.method)) {
    let submitted: string | null = request.headers.get("x-csrf-token");
    if (!submitted) {
      const type = request.headers.get("content-type") ?? "";
      if (type.includes("form")) {
        const form = await request.clone().formData();
        const value = form.get(CSRF_FIELD);
        submitted = typeof value === "string" ? value : null;
      }
    }
    if (!originAllowed(request) || !tokensMatch(submitted, cookies.get(CSRF_COOKIE)?.value)) {
      return withHeaders(
        new Response(
          "This form has expired or came from another site. Reload the page and submit it again.",
          { status: 403, headers: { "content-type": "text/plain; charset=utf-8" } },
        ),
      );
    }
  }
  const response = withHeaders(await next());
  for (const cookie of site.setCookies) response.headers.append("set-cookie", cookie);
  // Astro writes straight to the Node response (past Hono's middleware), so pages compress here.
  return compressResponse(request.headers.get("accept-encoding"), response);
});

function withHeaders(original: Response): Response {
  let response = original;
  try {
    response.headers.set("x-content-type-options", "nosniff");
  } catch {
    // Response.redirect() and friends have immutable headers: copy into a mutable response.
    response = new Response(original.body, original);
  }
  response.headers.set("content-security-policy", CONTENT_SECURITY_POLICY);
  response.headers.set("x-content-type-options", "nosniff");
  response.headers.set("referrer-policy", "same-origin");
  response.headers.set("x-frame-options", "DENY");
  if (!response.headers.has("cache-control")) response.headers.set("cache-control", "no-store");
  return response;
}
