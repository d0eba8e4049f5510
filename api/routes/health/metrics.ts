import { timingSafeEqual } from "node:crypto";
import type { Hono } from "hono";
import { problem } from "../../problem";

export interface MetricsEndpointOptions {
  /** The process's metrics in the Prometheus text format. */
  scrape(): Promise<string>;
  /** METRICS_TOKEN: when set, a scrape must send `Authorization: Bearer <token>`. */
  token: string | undefined;
}

/**
 * GET /metrics on every role (api, worker, bot): Prometheus text format 0.0.4. Outside the OpenAPI
 * document and the /api auth, like the health probes; METRICS_TOKEN protects it.
 */
export function registerMetricsEndpoint(app: Hono, options: MetricsEndpointOptions): void {
  const expected = options.token ? Buffer.from(`Bearer ${options.token}`) : null;
  app.get("/metrics", async (c) => {
    if (expected) {
      const given = Buffer.from(c.req.header("authorization") ?? "");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        const res = problem(
          c,
          401,
          "metrics_token_required",
          "Metrics need a token",
          "Send Authorization: Bearer <METRICS_TOKEN>.",
        );
        res.headers.set("www-authenticate", 'Bearer realm="metrics"');
        return res;
      }
    }
    return c.body(await options.scrape(), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    });
  });
}
