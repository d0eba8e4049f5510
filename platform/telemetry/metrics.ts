import { createNoopMeter, type Meter } from "@opentelemetry/api";
import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { type IMetricReader, MeterProvider } from "@opentelemetry/sdk-metrics";
import { observeProcess } from "./process-metrics";

export type { Meter };

/** Bucket bounds (seconds) for durations from an HTTP call (ms) to a database restore (an hour). */
export const DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
];

export interface MetricsOptions {
  serviceName: string;
  role: string;
  /** Also push over OTLP (the exporter reads the standard OTEL_EXPORTER_OTLP_* variables). */
  otlp: boolean;
  exportIntervalMs: number;
  /** Also push to Application Insights (APPLICATIONINSIGHTS_CONNECTION_STRING). */
  azureMonitorConnectionString?: string;
}

export interface Metrics {
  /** Where instruments are created; a room gets it through its factory's deps. */
  meter: Meter;
  /** The current values in the Prometheus text format (version 0.0.4), for GET /metrics. */
  scrape(): Promise<string>;
  shutdown(): Promise<void>;
}

/** A meter that records nothing (tests and factories whose caller passes none). */
export const noopMeter: Meter = createNoopMeter();

/**
 * One meter provider per process (a factory: tests build several). Prometheus pulls from it at
 * GET /metrics; with OTLP configured a periodic reader pushes the same instruments as well.
 */
export async function createMetrics(options: MetricsOptions): Promise<Metrics> {
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const readers: IMetricReader[] = [prometheus];
  if (options.otlp) {
    const [{ OTLPMetricExporter }, { PeriodicExportingMetricReader }] = await Promise.all([
      import("@opentelemetry/exporter-metrics-otlp-http"),
      import("@opentelemetry/sdk-metrics"),
    ]);
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter(),
        exportIntervalMillis: options.exportIntervalMs,
      }),
    );
  }
  if (options.azureMonitorConnectionString) {
    const [{ AzureMonitorMetricExporter }, { PeriodicExportingMetricReader }] = await Promise.all([
      import("@azure/monitor-opentelemetry-exporter"),
      import("@opentelemetry/sdk-metrics"),
    ]);
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new AzureMonitorMetricExporter({ connectionString: options.azureMonitorConnectionString }),
        exportIntervalMillis: options.exportIntervalMs,
      }),
    );
  }
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ "service.name": options.serviceName, "cloudops.role": options.role }),
    readers,
  });
  const meter = provider.getMeter("cloudops");
  const stopProcess = observeProcess(meter);
  // No target_info/otel_scope lines: one series per metric and label set, as Prometheus users expect.
  const serializer = new PrometheusSerializer(undefined, false, undefined, true, true);
  return {
    meter,
    async scrape() {
      const { resourceMetrics } = await prometheus.collect();
      return serializer.serialize(resourceMetrics);
    },
    async shutdown() {
      stopProcess();
      await provider.shutdown();
    },
  };
}
