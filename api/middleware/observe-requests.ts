import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Logger } from "../../platform/logger";
import type { Instruments } from "../../platform/telemetry/instruments";
import { contextFromHeaders, markFailed, type Span, SpanKind, tracer } from "../../platform/telemetry/spans";

export interface ObserveOptions {
  instruments: Instruments;
  logger: Logger;
}

// Probes and scrapes run every few seconds: they get no span (a trace per kubelet probe is noise) and
// their log lines go to debug; their durations are still measured.
const QUIET = /^\/(health|metrics)(\/|$)/;

/**
 * Per HTTP request: a server span that continues an incoming `traceparent` (the bot calling the API),
 * the request duration histogram by route template and status, and one JSON log line with the
 * request id, route template, status, duration and user id (never headers or bodies). Mounted once
 * on the process app; an API app mounted inside it skips a second pass.
 */
export function observeRequests(options: ObserveOptions): MiddlewareHandler {
  const { instruments, logger } = options;

  function finish(c: Context, started: number, failed: unknown, span: Span | null): void {
    const status = failed ? 500 : c.res.status;
    const route = routeOf(c, status);
    const durationS = (performance.now() - started) / 1000;
    instruments.httpDuration.record(durationS, { method: c.req.method, route, status: String(status) });
    const requestId = c.get("requestId" as never) as string | undefined;
    const user = (c.get("user" as never) as { id?: string } | undefined)?.id;
    const fields = {
      requestId,
      method: c.req.method,
      route,
      status,
      durationMs: Math.round(durationS * 10_000) / 10,
      userId: user ?? null,
      traceId: span?.isRecording() ? span.spanContext().traceId : undefined,
    };
    if (!span) {
      logger.debug("http request", fields);
      return;
    }
    span.updateName(`${c.req.method} ${route}`);
    span.setAttribute("http.route", route);
    span.setAttribute("http.response.status_code", status);
    if (requestId) span.setAttribute("cloudops.request_id", requestId);
    if (user) span.setAttribute("enduser.id", user);
    if (failed) markFailed(span, failed);
    else if (status >= 500) markFailed(span, new Error(`HTTP ${status}`));
    span.end();
    logger.info("http request", fields);
  }

  return async (c, next) => {
    if (c.get("observed" as never)) return next();
    c.set("observed" as never, true as never);
    const started = performance.now();
    if (QUIET.test(c.req.path)) {
      await next();
      finish(c, started, null, null);
      return;
    }
    await tracer().startActiveSpan(
      `${c.req.method} ${c.req.path}`,
      { kind: SpanKind.SERVER, attributes: { "http.request.method": c.req.method, "url.path": c.req.path } },
      contextFromHeaders((name) => c.req.header(name)),
      async (span) => {
        let failed: unknown = null;
        try {
          await next();
        } catch (error) {
          failed = error;
          throw error;
        } finally {
          finish(c, started, failed, span);
        }
      },
    );
  };
}

/**
 * The matched route's template (`/api/tasks/:id`). A 404 that only middleware saw is `unmatched`, so
 * scanners probing random paths cannot create a series per path (the templates are a closed set).
 */
function routeOf(c: Context, status: number): string {
  const path = routePath(c);
  return status === 404 && path.endsWith("*") ? "unmatched" : path;
}
