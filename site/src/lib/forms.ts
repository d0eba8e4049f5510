import { randomUUID } from "node:crypto";

/** Reads a urlencoded or multipart body into plain strings (last value wins, files ignored). */
export async function readForm(request: Request): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  try {
    const form = await request.formData();
    for (const [key, value] of form.entries()) if (typeof value === "string") out[key] = value.trim();
  } catch {
    // An empty or non-form body reads as no fields; validation below reports what is missing.
  }
  return out;
}

/** htmx sends HX-Request on its requests; those get fragments and HX-Redirect instead of full pages. */
export function isHtmx(request: Request): boolean {
  return request.headers.get("hx-request") === "true";
}

/** One key per rendered form: a double submit of the same form reuses it, so the API dedupes it. */
export function newIdempotencyKey(): string {
  return randomUUID();
}

/** The key a form carried, or a fresh one when an old form has none. */
export function submittedKey(form: Record<string, string>): string {
  const key = form.idempotencyKey ?? "";
  return /^[A-Za-z0-9_-]{8,100}$/.test(key) ? key : newIdempotencyKey();
}

/** After a successful post: htmx follows HX-Redirect, a plain form follows the 303. */
export function redirectAfterPost(request: Request, location: string): Response {
  if (isHtmx(request)) return new Response(null, { status: 200, headers: { "hx-redirect": location } });
  return new Response(null, { status: 303, headers: { location } });
}

export function fragment(body: string, status = 200): Response {
  return new Response(body, { status, headers: { "content-type": "text/html; charset=utf-8" } });
}
