import type { SpanProcessor } from "@opentelemetry/sdk-trace-base";

export interface TracingOptions {
  serviceName: string;
  role: string;
  version: string;
  /** Export spans over OTLP; the SDK reads the standard OTEL_EXPORTER_OTLP_* variables itself. */
  otlp: boolean;
  /** Export spans (and metrics) to Application Insights. */
  azureMonitorConnectionString?: string;
  /** Extra span processors (tests: an in-memory exporter). */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  /** True when spans are recorded and exported somewhere. */
  readonly enabled: boolean;
  /** Flushes the spans still buffered, then stops the exporters. */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { enabled: false, shutdown: async () => undefined };

/**
 * Starts the OpenTelemetry SDK for this process when something wants spans, else does nothing: the
 * SDK packages are imported lazily, so a process with telemetry off neither loads nor pays for them.
 * The tracer provider is global (context propagation is process-wide); start it once per process.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  const extra = options.spanProcessors ?? [];
  if (options.azureMonitorConnectionString) {
    const { useAzureMonitor, shutdownAzureMonitor } = await import("@azure/monitor-opentelemetry");
    const { resourceFromAttributes } = await import("@opentelemetry/resources");
    useAzureMonitor({
      azureMonitorExporterOptions: { connectionString: options.azureMonitorConnectionString },
      // Every trace, as over OTLP: the distro's default rate limit (5 traces a second) starts with an
      // empty budget and dropped the traces of a quiet control plane (tests/observability/azure-monitor).
      samplingRatio: 1,
      tracesPerSecond: 0,
      resource: resourceFromAttributes(resourceAttributes(options)),
      spanProcessors: extra,
      // Our own spans and metrics only: the automatic HTTP/pg/redis instrumentations would double them.
      instrumentationOptions: {
        http: { enabled: false },
        azureSdk: { enabled: false },
        mongoDb: { enabled: false },
        mySql: { enabled: false },
        postgreSql: { enabled: false },
        redis: { enabled: false },
        redis4: { enabled: false },
      },
    });
    return { enabled: true, shutdown: () => shutdownAzureMonitor() };
  }
  if (!options.otlp && extra.length === 0) return OFF;
  const [{ NodeSDK }, { BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] =
    await Promise.all([
      import("@opentelemetry/sdk-node"),
      import("@opentelemetry/sdk-trace-base"),
      import("@opentelemetry/exporter-trace-otlp-http"),
      import("@opentelemetry/resources"),
    ]);
  const processors = options.otlp ? [new BatchSpanProcessor(new OTLPTraceExporter()), ...extra] : extra;
  const sdk = new NodeSDK({
    resource: resourceFromAttributes(resourceAttributes(options)),
    spanProcessors: processors,
    // Spans come from our code (HTTP middleware, queue, runner, adapters): no monkey-patching.
    instrumentations: [],
    // Metrics have their own provider (platform/telemetry/metrics.ts) that also serves GET /metrics.
    metricReaders: [],
  });
  sdk.start();
  return { enabled: true, shutdown: () => sdk.shutdown() };
}

function resourceAttributes(options: TracingOptions) {
  return {
    "service.name": options.serviceName,
    "service.version": options.version,
    "service.instance.id": `${options.role}-${process.pid}`,
    "cloudops.role": options.role,
  };
}
