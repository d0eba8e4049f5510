import { z } from "@hono/zod-openapi";

const position = z.string().regex(/^\d{1,15}$/, "must be a whole number");

export const ResumeHeaders = z.object({
  "last-event-id": position.optional().openapi({
    description: "Resume after this event id (browsers send it on reconnect); nothing is repeated or skipped",
    example: "12",
  }),
});

export const ResumeQuery = z.object({
  lastEventId: position.optional().openapi({
    description: "Same as the Last-Event-ID header, for clients that cannot set headers on the first connect",
  }),
});

/** The header wins over the query; null when neither is given. */
export function resumePoint(header: string | undefined, query: string | undefined): number | null {
  const raw = header ?? query;
  return raw === undefined ? null : Number(raw);
}

export const SSE_DESCRIPTION =
  "Server-Sent Events. Each message: `event:` = the event kind (status, step, progress, log), `id:` = its resume position, " +
  "`data:` = the TaskEvent JSON. A `: heartbeat` comment every 15 s. A client more than 256 KiB behind gets `event: error` " +
  "(code slow_consumer) and the stream ends; reconnect with Last-Event-ID.";

export const sseExample = [
  ": connected",
  "",
  "event: step",
  "id: 5",
  'data: {"id":41,"taskId":"tsk_01jd2x5k8m0000abcdefghjkmn","seq":5,"at":"2026-01-05T10:00:02.000Z","task":{"type":"deploy","entityId":"env_01jd2x5k8m0000abcdefghjkmn","status":"running"},"data":{"kind":"step","index":1,"name":"plan","status":"running","percent":0,"message":null}}',
  "",
].join("\n");
