import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";

// Span helpers over the OpenTelemetry API. Without a registered SDK (telemetry off) the API hands out
// non-recording spans, so every call here costs a few property reads and nothing is exported.

export type { Attributes, Context, Span };
export { SpanKind };

const TRACER = "cloudops";

/** The tracer every room uses; a proxy, so it works before and after the SDK is started. */
export function tracer() {
  return trace.getTracer(TRACER);
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Parent to use instead of the active context (a traceparent carried by a queue message). */
  parent?: Context;
}

/**
 * Runs `fn` inside a new active span: an exception marks the span as an error (with its `code`)
 * and is rethrown; the span always ends.
 */
export function withSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes },
    options.parent ?? context.active(),
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        markFailed(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** Records an error on a span (its message and stable `code`, never a stack of secrets). */
export function markFailed(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.recordException({ name: error instanceof Error ? error.name : "Error", message });
  if (typeof code === "string") span.setAttribute("error.type", code);
}

/** The W3C `traceparent` of the active span, or undefined when nothing is being traced. */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The trace id of the active span, or undefined when nothing is recorded. */
export function currentTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  const id = span?.spanContext().traceId;
  return id && span.isRecording() ? id : undefined;
}

/** A context whose parent is the given W3C `traceparent` (and `tracestate`); the root context if absent. */
export function contextFromTraceparent(traceparent: string | null | undefined, tracestate?: string): Context {
  if (!traceparent) return ROOT_CONTEXT;
  const carrier: Record<string, string> = { traceparent };
  if (tracestate) carrier.tracestate = tracestate;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** The context carried by incoming headers (traceparent/tracestate), for server spans. */
export function contextFromHeaders(get: (name: string) => string | undefined): Context {
  return propagation.extract(ROOT_CONTEXT, null, {
    keys: () => ["traceparent", "tracestate"],
    get: (_carrier, key) => get(key),
  });
}

/** Adds the active context's `traceparent`/`tracestate` to outgoing headers (calls to our own API). */
export function injectTraceHeaders(headers: Record<string, string>): Record<string, string> {
  propagation.inject(context.active(), headers);
  return headers;
}

/** The trace id inside a W3C `traceparent` (`00-<trace id>-<span id>-<flags>`), or null. */
export function traceIdOf(traceparent: string | null | undefined): string | null {
  const match = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(traceparent ?? "");
  return match?.[1] && !/^0+$/.test(match[1]) ? match[1] : null;
}

/**
 * Wraps every method of `target` so each call is a client span `<prefix>.<method>` (adapters to
 * Kubernetes, databases, Blob, Teams, SendGrid). Methods listed in `skip` and non-functions pass through.
 */
export function tracedMethods<T extends object>(
  target: T,
  prefix: string,
  attributes: Attributes = {},
  skip: readonly string[] = [],
): T {
  return new Proxy(target, {
    get(obj, key, receiver) {
      const value = Reflect.get(obj, key, receiver);
      if (typeof value !== "function" || typeof key !== "string" || skip.includes(key)) return value;
      return (...args: unknown[]) => {
        // Only the async calls become spans; a sync getter stays a plain call.
        const span = tracer().startSpan(
          `${prefix}.${key}`,
          { kind: SpanKind.CLIENT, attributes },
          context.active(),
        );
        const active = trace.setSpan(context.active(), span);
        let result: unknown;
        try {
          result = context.with(active, () => value.apply(obj, args));
        } catch (error) {
          markFailed(span, error);
          span.end();
          throw error;
        }
        if (result && typeof (result as Promise<unknown>).then === "function") {
          return (result as Promise<unknown>).then(
            (v) => {
              span.end();
              return v;
            },
            (error: unknown) => {
              markFailed(span, error);
              span.end();
              throw error;
            },
          );
        }
        span.end();
        return result;
      };
    },
  });
}
