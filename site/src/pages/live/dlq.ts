import type { APIRoute } from "astro";
import { deadLetterRows } from "../../lib/dead-letter-rows";
import { loadNames } from "../../lib/names";
import { partial, partialsResponse } from "../../lib/partials";

// /dlq's live refresh: the open dead letters now. "sync" keeps rows the page already has (and their
// checkboxes), adds new ones in place and drops those retried or skipped elsewhere.
export const GET: APIRoute = async ({ locals }) => {
  const { api, csrfToken, role } = locals;
  const [result, names] = await Promise.all([
    api.listDeadLetters({ status: "open", limit: 200 }),
    loadNames(api),
  ]);
  if (!result.ok) return new Response(null, { status: 502 });
  return partialsResponse([
    partial("#dlq-body", "sync", deadLetterRows(result.data.items, names, csrfToken, role)),
  ]);
};
