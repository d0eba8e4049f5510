import type { Hono } from "hono";
import { problem } from "../../problem";

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

const withTimeout = (p: Promise<void>, ms: number) =>
  Promise.race([
    p,
    new Promise<void>((_, reject) => setTimeout(() => reject(new Error("timeout")), ms).unref()),
  ]);

/**
 * Liveness and readiness probes for orchestrators, outside /api so every role (worker and bot too)
 * serves them. Readiness names each failing part in a 503.
 */
export function registerProbes(app: Hono, checks: ReadinessCheck[]): void {
  app.get("/health/live", (c) => c.json({ status: "ok" }));
  app.get("/health/ready", async (c) => {
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), 2000);
          return { name, ok: true };
        } catch {
          return { name, ok: false };
        }
      }),
    );
    const failing = results.filter((r) => !r.ok).map((r) => r.name);
    const states = Object.fromEntries(results.map((r) => [r.name, r.ok ? "ok" : "failing"]));
    if (failing.length === 0) return c.json({ status: "ok", checks: states });
    return problem(c, 503, "not_ready", "Not ready", `Not reachable: ${failing.join(", ")}`, {
      checks: states,
      failing,
    });
  });
}
