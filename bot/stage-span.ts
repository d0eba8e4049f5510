import { context, trace } from "@opentelemetry/api";
import { markFailed, SpanKind, tracer } from "../platform/telemetry/spans";

/**
 * Times one stage of a bot turn (auth, claim, command, card build, connector send) as a span under
 * the turn, without making it the parent of what runs inside: the API calls of the turn stay direct
 * children of `bot.turn` (the trace shape tests/observability checks). Outside a recorded span (the
 * card updater's background work, or telemetry off) it only runs `fn`.
 */
export async function stage<T>(name: string, fn: () => Promise<T>, kind = SpanKind.INTERNAL): Promise<T> {
  const parent = trace.getActiveSpan();
  if (!parent?.isRecording()) return fn();
  const span = tracer().startSpan(name, { kind }, context.active());
  try {
    return await fn();
  } catch (error) {
    markFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}
