import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { startTracing, type Tracing } from "../../platform/telemetry/tracing";
import type { OtlpReceiver, ReceivedSpan } from "./otlp-receiver";

/**
 * The test process's tracing: the real SDK start-up (platform/telemetry/tracing.ts) with an in-memory
 * exporter, plus the spans child processes exported to a local OTLP receiver, in one list.
 */
export interface TraceCollector {
  tracing: Tracing;
  /** Spans of this process and of the receiver's senders. */
  all(): ReceivedSpan[];
  /** The spans of one trace. */
  trace(traceId: string): ReceivedSpan[];
  /** Waits until `ready(spans of the trace)` holds (spans arrive in batches). */
  waitForTrace(
    traceId: string,
    ready: (spans: ReceivedSpan[]) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedSpan[]>;
  stop(): Promise<void>;
}

export async function startTraceCollector(
  receiver: OtlpReceiver,
  serviceName: string,
): Promise<TraceCollector> {
  const memory = new InMemorySpanExporter();
  const tracing = await startTracing({
    serviceName,
    role: "test",
    version: "test",
    otlp: false,
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const local = (): ReceivedSpan[] =>
    memory.getFinishedSpans().map((s) => ({
      traceId: s.spanContext().traceId,
      spanId: s.spanContext().spanId,
      parentSpanId: s.parentSpanContext?.spanId,
      name: s.name,
      kind: s.kind,
      attributes: s.attributes as Record<string, string | number | boolean>,
      service: String(s.resource.attributes["service.name"] ?? ""),
      resource: s.resource.attributes as Record<string, string | number | boolean>,
    }));
  const all = () => [...local(), ...receiver.spans];
  const trace = (traceId: string) => all().filter((s) => s.traceId === traceId);
  return {
    tracing,
    all,
    trace,
    async waitForTrace(traceId, ready, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const spans = trace(traceId);
        if (ready(spans)) return spans;
        if (Date.now() > deadline) {
          throw new Error(
            `trace ${traceId} incomplete: ${spans.map((s) => `${s.service}:${s.name}`).join(", ")}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: () => tracing.shutdown(),
  };
}
