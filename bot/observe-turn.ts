import type { Logger } from "../platform/logger";
import type { Instruments } from "../platform/telemetry/instruments";
import { currentTraceId, withSpan } from "../platform/telemetry/spans";

/**
 * One span (`bot.turn <type>`), one counter increment and one JSON log line per Bot Framework
 * activity: its id, type, invoke name, user, status and duration; never the message text or card data.
 * The API calls the turn makes carry its traceparent, so the task it starts joins this trace.
 */
export async function observeTurn<T extends { status: number }>(
  activity: Record<string, unknown>,
  deps: { logger: Logger; instruments: Instruments },
  run: () => Promise<T>,
): Promise<T> {
  const type = typeof activity.type === "string" ? activity.type : "unknown";
  const kind = type === "message" || type === "invoke" ? type : "other";
  const id = typeof activity.id === "string" ? activity.id : undefined;
  const name = typeof activity.name === "string" ? activity.name : undefined;
  const from = activity.from as { aadObjectId?: unknown; id?: unknown } | undefined;
  const userId =
    typeof from?.aadObjectId === "string" ? from.aadObjectId : typeof from?.id === "string" ? from.id : null;
  const started = performance.now();
  let status = 500;
  try {
    return await withSpan(
      `bot.turn ${type}`,
      {
        attributes: {
          "cloudops.activity.type": type,
          ...(id ? { "cloudops.activity.id": id } : {}),
          ...(name ? { "cloudops.activity.name": name } : {}),
        },
      },
      async (span) => {
        const result = await run();
        status = result.status;
        span.setAttribute("cloudops.activity.status", status);
        return result;
      },
    );
  } finally {
    const outcome = status < 400 ? "ok" : "error";
    deps.instruments.botTurns.add(1, { kind, outcome });
    deps.logger.info("bot turn", {
      activityId: id ?? null,
      type,
      name: name ?? null,
      userId,
      status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      traceId: currentTraceId(),
    });
  }
}
