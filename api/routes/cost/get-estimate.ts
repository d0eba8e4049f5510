import { createRoute } from "@hono/zod-openapi";
import { EstimateQuery, EstimateSchema, EXAMPLE_ESTIMATE } from "../../../contracts/cost";
import type { Pricing } from "../../../domain/cost/pricing";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";
import { runEstimate } from "./run-estimate";

export const route = createRoute({
  method: "get",
  path: "/api/cost/estimate",
  operationId: "getCostEstimate",
  tags: ["Cost"],
  summary: "Monthly cost of one resource shape from the sample price list (role viewer)",
  request: { query: EstimateQuery },
  responses: {
    200: {
      description: "The estimate",
      content: { "application/json": { schema: EstimateSchema, example: EXAMPLE_ESTIMATE } },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit, pricing: Pricing): void {
  app.openapi({ ...route, middleware: kit.read("viewer") }, async (c) => {
    const q = c.req.valid("query");
    const plan = {
      region: q.region,
      resources: [
        { name: "resource", cpu: q.cpu, memoryGb: q.memoryGb, storageGb: q.storageGb, count: q.count },
      ],
    };
    return c.json(runEstimate(plan, pricing), 200);
  });
}
