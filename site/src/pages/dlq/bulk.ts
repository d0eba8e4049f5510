import type { APIRoute } from "astro";

// Retry or skip every selected dead letter (a plain form post; /dlq then says what happened). Each is
// its own API call with its own idempotency key: one that another person resolved first is counted
// as not changed, the rest go through.
export const POST: APIRoute = async ({ request, locals }) => {
  const form = await request.formData();
  const action = form.get("action") === "skip" ? "skip" : "retry";
  const ids = form
    .getAll("ids")
    .filter((v): v is string => typeof v === "string" && /^dlq_[a-z0-9]+$/.test(v))
    .slice(0, 200);
  let done = 0;
  let failed = 0;
  for (const id of ids) {
    const call = { idempotencyKey: crypto.randomUUID() };
    const result =
      action === "retry"
        ? await locals.api.retryDeadLetter(id, {}, call)
        : await locals.api.skipDeadLetter(id, call);
    if (result.ok) done++;
    else failed++;
  }
  const query = new URLSearchParams({
    bulk: "1",
    [action === "retry" ? "retried" : "skipped"]: String(done),
    failed: String(failed),
  });
  return new Response(null, { status: 303, headers: { location: `/dlq?${query}` } });
};
