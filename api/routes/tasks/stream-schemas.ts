// How the stream routes document and read a resume point; the headers and query themselves are
// contracts (contracts/task-streams.ts) that clients share.
export { ResumeHeaders, ResumeQuery } from "../../../contracts/task-streams";

/** The header wins over the query; null when neither is given. */
export function resumePoint(header: string | undefined, query: string | undefined): number | null {
  const raw = header ?? query;
  return raw === undefined ? null : Number(raw);
}

export const SSE_DESCRIPTION =
  "Server-Sent Events. Each message: `event:` = the event kind (status, step, progress, log, approval), `id:` = its resume position, " +
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
