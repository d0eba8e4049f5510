import { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import { createErrorHandler } from "./error-handler";
import { requestId } from "./middleware/request-id";
import { problem } from "./problem";
import { registerHealthRoutes } from "./routes/health/index";
import type { ApiDeps, AppEnv } from "./types";

export const OPENAPI_INFO = {
  title: "CloudOps API",
  version: "1.0.0",
  description:
    "Chat-ops control plane for Azure: deployments, sandboxes, database backup and restore, Kubernetes restarts " +
    "and cost estimates as tasks on a strict per-resource FIFO queue. Errors are RFC 9457 problem+json with a stable `code`.",
};

/** Turns zod validation failures into the same problem+json shape as every other error. */
export function createOpenApiApp() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const errors = result.error.issues.map((i) => ({
        path: i.path.join(".") || "(body)",
        message: i.message,
      }));
      return problem(
        c,
        400,
        "validation_failed",
        "The request is not valid",
        errors.map((e) => `${e.path}: ${e.message}`).join("; "),
        { errors },
      );
    },
  });
}

/** The HTTP API: every /api route, the OpenAPI document and the Scalar reference. */
export function createApi(deps: ApiDeps) {
  const app = createOpenApiApp();
  app.use("*", requestId());
  app.onError(createErrorHandler(deps.logger));
  app.notFound((c) =>
    problem(c, 404, "route_not_found", "Not found", `No route matches ${c.req.method} ${c.req.path}`),
  );

  registerHealthRoutes(app, deps);

  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: OPENAPI_INFO,
    servers: [{ url: deps.config.publicUrl }],
  });
  const reference = Scalar({ url: "/openapi.json", pageTitle: "CloudOps API reference" });
  app.get("/docs", reference);
  app.get("/swagger", reference);
  return app;
}
