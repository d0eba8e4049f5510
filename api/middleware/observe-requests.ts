import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Logger } from "../../platform/logger";
import type { Instruments } from "../../platform/telemetry/instruments";
import { contextFromHeaders, markFailed, SpanKind, tracer } from "../../platform/telemetry/spans";

export interface ObserveOptions {
  instruments: Instruments;
  logger: Logger;
}

// Probes and scrapes run every few seconds: their lines go to debug so they do not drown the rest.
const QUIET = /^\/(health|metrics)(\/|$)/;

/**
 * Per HTTP request: a server span that continues an incoming `traceparent` (the bot calling the API),
 * the request duration histogram by route template and status, and one JSON log line with the
 * request id, route template, status, duration and user id (never headers or bodies). Mounted once
 * on the process app; an API app mounted inside it skips a second pass.
 */
export function observeRequests(options: ObserveOptions): MiddlewareHandler {
  const { instruments, logger } = options;
  return async (c, next) => {
    if (c.get("observed" as never)) return next();
    c.set("observed" as never, true as never);
    const started = performance.now();
    const parent = contextFromHeaders((name) => c.req.header(name));
    const method = c.req.method;
    await tracer().startActiveSpan(
      `${method} ${c.req.path}`,
      { kind: SpanKind.SERVER, attributes: { "http.request.method": method, "url.path": c.req.path } },
      parent,
      async (span) => {
        let failed: unknown = null;
        try {
          await next();
        } catch (error) {
          failed = error;
          throw error;
        } finally {
          const route = routeOf(c, failed ? 500 : c.res.status);
          const status = failed ? 500 : c.res.status;
          const durationS = (performance.now() - started) / 1000;
          span.updateName(`${method} ${route}`);
          span.setAttribute("http.route", route);
          span.setAttribute("http.response.status_code", status);
          const requestId = c.get("requestId" as never) as string | undefined;
          if (requestId) span.setAttribute("cloudops.request_id", requestId);
          const user = (c.get("user" as never) as { id?: string } | undefined)?.id;
          if (user) span.setAttribute("enduser.id", user);
          if (failed) markFailed(span, failed);
          else if (status >= 500) markFailed(span, new Error(`HTTP ${status}`));
          span.end();
          instruments.httpDuration.record(durationS, { method, route, status: String(status) });
          const fields = {
            requestId,
            method,
            route,
            status,
            durationMs: Math.round(durationS * 10_000) / 10,
            userId: user ?? null,
            traceId: span.isRecording() ? span.spanContext().traceId : undefined,
          };
          if (QUIET.test(c.req.path)) logger.debug("http request", fields);
          else logger.info("http request", fields);
        }
      },
    );
  };
}

/**
 * The matched route's template (`/api/tasks/:id`). A 404 that only middleware saw is `unmatched`, so
 * scanners probing random paths cannot create a series per path (the templates are a closed set).
 */
function routeOf(c: Parameters<MiddlewareHandler>[0], status: number): string {
  const path = routePath(c);
  return status === 404 && path.endsWith("*") ? "unmatched" : path;
}
