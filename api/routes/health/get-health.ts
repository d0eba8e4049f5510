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
  },
});

export function register(app: ApiApp, deps: ApiDeps): void {
  app.openapi(getHealthRoute, async (c) => {
    const healthy = await Promise.all([deps.database.ping(), deps.queue.ping()]).then(
      () => true,
      () => false,
    );
    return c.json(
      {
        status: healthy ? ("ok" as const) : ("degraded" as const),
        version: deps.version,
        db: deps.database.dialect,
        queue: deps.queue.kind,
        role: deps.config.role,
        demoMode: deps.config.demoMode,
        uptimeSeconds: Math.floor((Date.now() - deps.startedAt.getTime()) / 1000),
      },
      200,
    );
  });
}
