import { createServer, type Server } from "node:http";
import { gunzipSync } from "node:zlib";

/** One span as an OTLP/HTTP JSON export carries it, with its resource's service name. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
  service: string;
  /** The attributes of the span's resource (service.name, OTEL_RESOURCE_ATTRIBUTES, …). */
  resource: Record<string, string | number | boolean>;
}

export interface OtlpReceiver {
  /** The base URL to put into OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  spans: ReceivedSpan[];
  /** Spans received (also counted when `keepSpans` is false). */
  spanCount: number;
  /** How many metric export requests arrived (POST /v1/metrics). */
  metricExports: number;
  /** The request headers of every trace export (POST /v1/traces), e.g. OTEL_EXPORTER_OTLP_HEADERS. */
  traceExportHeaders: Array<Record<string, string | string[] | undefined>>;
  close(): Promise<void>;
}

type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
};
type KeyValue = { key: string; value: AnyValue };

function anyValue(v: AnyValue): string | number | boolean {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  return v.boolValue ?? "";
}

const attrs = (list: KeyValue[] = []) => Object.fromEntries(list.map((a) => [a.key, anyValue(a.value)]));

/**
 * A local OTLP/HTTP receiver for the JSON encoding (what @opentelemetry/exporter-trace-otlp-http sends):
 * POST /v1/traces and /v1/metrics, answered 200 with an empty export response, as a collector does.
 * Ids arrive as hex strings (the OTLP/JSON mapping).
 */
export async function startOtlpReceiver(options: { keepSpans?: boolean } = {}): Promise<OtlpReceiver> {
  const keep = options.keepSpans ?? true;
  const spans: ReceivedSpan[] = [];
  const receiver = { spans, spanCount: 0, metricExports: 0, traceExportHeaders: [] } as Omit<
    OtlpReceiver,
    "url" | "close"
  >;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let raw = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") raw = gunzipSync(raw);
      if (!String(req.headers["content-type"]).includes("json")) {
        res.writeHead(415).end();
        return;
      }
      const body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
      if (req.url === "/v1/traces") {
        if (keep) receiver.traceExportHeaders.push({ ...req.headers });
        for (const rs of (body.resourceSpans ?? []) as Array<Record<string, unknown>>) {
          const resource = attrs((rs.resource as { attributes?: KeyValue[] } | undefined)?.attributes);
          for (const ss of (rs.scopeSpans ?? []) as Array<{ spans?: Array<Record<string, unknown>> }>) {
            for (const s of ss.spans ?? []) {
              receiver.spanCount++;
              if (!keep) continue;
              spans.push({
                traceId: String(s.traceId),
                spanId: String(s.spanId),
                parentSpanId: s.parentSpanId ? String(s.parentSpanId) : undefined,
                name: String(s.name),
                kind: Number(s.kind ?? 0),
                attributes: attrs(s.attributes as KeyValue[]),
                service: String(resource["service.name"] ?? ""),
                resource,
              });
            }
          }
        }
      } else if (req.url === "/v1/metrics") {
        receiver.metricExports++;
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as OtlpReceiver;
}
