import { OpenAPIHono } from "@hono/zod-openapi";
import { methodNotAllowed } from "hono/method-not-allowed";
import { noopInstruments } from "../platform/telemetry/instruments";
import { registerApiReference } from "./docs/api-reference";
import { createErrorHandler } from "./error-handler";
import { authenticate } from "./middleware/authenticate";
import { bodyGuard } from "./middleware/body-guard";
import { observeRequests } from "./middleware/observe-requests";
import { requestId } from "./middleware/request-id";
import { textGuard } from "./middleware/text-guard";
import { problem } from "./problem";
import { createRouteKit } from "./route-kit";
import { registerArtifactRoutes } from "./routes/artifacts/index";
import { registerBotCardRoutes } from "./routes/bot-cards/index";
import { registerCostRoutes } from "./routes/cost/index";
import { registerDbRoutes } from "./routes/db/index";
import { registerDeploymentRoutes } from "./routes/deployments/index";
import { registerDeadLetterRoutes } from "./routes/dlq/index";
import { registerHealthRoutes } from "./routes/health/index";
import { registerK8sRoutes } from "./routes/k8s/index";
import { registerNotificationRoutes } from "./routes/notifications/index";
import { registerProjectRoutes } from "./routes/projects/index";
import { registerQueueRoutes } from "./routes/queue/index";
import { registerSandboxRoutes } from "./routes/sandboxes/index";
import { registerTaskRoutes } from "./routes/tasks/index";
import type { ApiDeps, AppEnv } from "./types";
import { validationProblem } from "./validation-problem";

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
      return validationProblem(c, result.error.issues);
    },
  });
}

/** The HTTP API: every /api route, the OpenAPI document and the Scalar reference. */
/** The API plus `close()` for the connections it opened (rate-limit Redis, event bus warm-up). */
export function buildApi(deps: ApiDeps) {
  const app = createOpenApiApp();
  app.use("*", requestId());
  // A no-op when the process app (compose.ts) observes requests already.
  app.use("*", observeRequests({ instruments: deps.instruments ?? noopInstruments, logger: deps.logger }));
  app.use(
    "*",
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) => {
        const res = problem(c, 405, "method_not_allowed", "Method not allowed", `Use ${methods.join(", ")}`);
        res.headers.set("allow", methods.join(", "));
        return res;
      },
    }),
  );
  app.use("/api/*", bodyGuard(deps.config.api.maxBodyBytes));
  app.use("/api/*", authenticate(deps));
  app.use("/api/*", textGuard());
  app.onError(createErrorHandler(deps.logger));
  app.notFound((c) =>
    problem(c, 404, "route_not_found", "Not found", `No route matches ${c.req.method} ${c.req.path}`),
  );

  const kit = createRouteKit(deps);
  registerHealthRoutes(app, deps);
  registerTaskRoutes(app, kit);
  registerDeploymentRoutes(app, kit);
  registerDbRoutes(app, kit);
  registerArtifactRoutes(app, kit);
  registerK8sRoutes(app, kit);
  registerSandboxRoutes(app, kit);
  registerDeadLetterRoutes(app, kit);
  registerProjectRoutes(app, kit);
  registerNotificationRoutes(app, kit);
  registerCostRoutes(app, kit);
  registerQueueRoutes(app, kit);
  registerBotCardRoutes(app, kit);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "Production (DEMO_MODE=false): a Microsoft Entra ID access token; roles come from its `roles` claim " +
      "(viewer, operator, admin). Demo mode needs no token: X-Demo-Role picks the role (admin by default).",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "internal", {
    type: "apiKey",
    in: "header",
    name: "X-Internal-Token",
    description:
      "The bot and the site, acting for a user named by X-Acting-User, X-Acting-Role and X-Acting-Source.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "demoRole", {
    type: "apiKey",
    in: "header",
    name: "X-Demo-Role",
    description:
      "Demo mode only (DEMO_MODE=true): viewer, operator or admin (the default); X-Demo-User names the demo user. Ignored in production.",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: OPENAPI_INFO,
    servers: [{ url: deps.config.publicUrl }],
    security: [{ bearer: [] }, { internal: [] }, { demoRole: [] }],
  });
  registerApiReference(app, "/openapi.json");

  // Subscribing early makes the Redis subscription ready before the first SSE client needs it.
  const unsubscribe = deps.bus.subscribe(() => undefined);
  return {
    app,
    async close() {
      unsubscribe();
      await kit.close();
    },
  };
}
