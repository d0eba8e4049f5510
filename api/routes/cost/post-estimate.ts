import { createRoute } from "@hono/zod-openapi";
import { EstimateSchema, EXAMPLE_ESTIMATE, ResourcePlanSchema } from "../../../contracts/cost";
import type { Pricing } from "../../../domain/cost/pricing";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";
import { runEstimate } from "./run-estimate";

export const route = createRoute({
  method: "post",
  path: "/api/cost/estimate",
  operationId: "estimateCost",
  tags: ["Cost"],
  summary: "Monthly cost of a resource plan, with line items (role viewer; changes nothing)",
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: ResourcePlanSchema,
          example: {
            region: "westeurope",
            resources: [{ name: "api", cpu: 2, memoryGb: 8, storageGb: 100 }],
          },
        },
      },
    },
  },
  responses: {
    200: {
      description: "The estimate",
      content: { "application/json": { schema: EstimateSchema, example: EXAMPLE_ESTIMATE } },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit, pricing: Pricing): void {
  app.openapi({ ...route, middleware: kit.read("viewer") }, async (c) =>
    c.json(runEstimate(c.req.valid("json"), pricing), 200),
  );
}
