import type { APIRoute } from "astro";
import { relayEvents } from "../../lib/live-stream";

// The one live connection a browser holds (src/scripts/live-connection.ts shares it across tabs):
// every task event as JSON with its global id. `after` resumes a stream opened by a new leader tab
// (a fresh EventSource cannot send Last-Event-ID); a browser reconnect sends Last-Event-ID itself.
const KINDS = new Set(["status", "step", "progress", "log"]);

export const GET: APIRoute = ({ request, locals, url }) => {
  const after = url.searchParams.get("after") ?? "";
  return relayEvents(request, locals.api, /^\d+$/.test(after) ? after : null, (message) =>
    // The API names messages by event kind; pages read the JSON.
    KINDS.has(message.event) ? { id: message.id ?? null, data: message.data } : null,
  );
};
