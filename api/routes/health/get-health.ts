import { createRoute } from "@hono/zod-openapi";
import { HealthSchema } from "../../../contracts/operations";
import type { ApiApp, ApiDeps } from "../../types";

export const getHealthRoute = createRoute({
  method: "get",
  path: "/api/health",
  operationId: "getHealth",
  tags: ["Health"],
  summary: "Service health and what it runs on",
  // Open to probes and status pages: no sign-in.
  security: [],
  responses: {
    200: {
      description: "The service is up",
      content: {
        "application/json": {
          schema: HealthSchema,
          example: {
            status: "ok",
            version: "0.1.0",
            db: "sqlite",
            queue: "memory",
            role: "all",
            demoMode: true,
            uptimeSeconds: 42,
          },
        },
      },
    },
    503: {
      description:
        "Degraded: a dependency cannot be reached (named in `failing`); requests that need it answer 503",
      headers: { "Retry-After": { schema: { type: "string" }, description: "Seconds to wait" } },
      content: {
        "application/json": {
          schema: HealthSchema,
          example: {
            status: "degraded",
            version: "0.1.0",
            db: "postgres",
            queue: "bullmq",
            role: "api",
            demoMode: false,
            uptimeSeconds: 42,
            failing: ["redis"],
          },
        },
      },
    },
  },
});

export function register(app: ApiApp, deps: ApiDeps): void {
  // The queue's broker by the name an operator knows it by.
  const queueDependency = deps.queue.kind === "bullmq" ? ("redis" as const) : ("queue" as const);
  app.openapi(getHealthRoute, async (c) => {
    const [database, queue] = await Promise.all([
      withinTwoSeconds(deps.database.ping()),
      withinTwoSeconds(deps.queue.ping()),
    ]);
    const failing = [...(database ? [] : (["database"] as const)), ...(queue ? [] : [queueDependency])];
    const body = {
      status: failing.length === 0 ? ("ok" as const) : ("degraded" as const),
      version: deps.version,
      db: deps.database.dialect,
      queue: deps.queue.kind,
      role: deps.config.role,
      demoMode: deps.config.demoMode,
      uptimeSeconds: Math.floor((Date.now() - deps.startedAt.getTime()) / 1000),
    };
    if (failing.length === 0) return c.json(body, 200);
    c.header("retry-after", "5");
    return c.json({ ...body, failing }, 503);
  });
}

/** True when `check` succeeds within 2 s: a health answer must not hang on a dead dependency. */
function withinTwoSeconds(check: Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), 2000);
  });
  return Promise.race([
    check.then(
      () => true,
      () => false,
    ),
    timeout,
  ]).finally(() => clearTimeout(timer));
}
