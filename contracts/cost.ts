import { z } from "@hono/zod-openapi";

const cpu = z.number().min(0).max(1024).openapi({ description: "vCPUs per instance", example: 2 });
const memoryGb = z.number().min(0).max(16_384).openapi({ description: "GB of RAM per instance", example: 8 });
const storageGb = z
  .number()
  .min(0)
  .max(1_000_000)
  .openapi({ description: "GB of storage per instance", example: 100 });
const region = z
  .string()
  .regex(/^[a-z0-9]{2,32}$/, "must be an Azure region name such as westeurope")
  .openapi({ example: "westeurope" });

export const EstimateQuery = z.object({
  cpu: z.coerce.number().pipe(cpu),
  memoryGb: z.coerce.number().pipe(memoryGb),
  storageGb: z.coerce.number().pipe(storageGb).default(0),
  count: z.coerce.number().int().min(1).max(1000).default(1),
  region: region.optional(),
});

export const ResourcePlanSchema = z
  .strictObject({
    region: region.optional(),
    resources: z
      .array(
        z.strictObject({
          name: z.string().min(1).max(100).optional().openapi({ example: "api" }),
          cpu,
          memoryGb,
          storageGb: storageGb.default(0),
          count: z.number().int().min(1).max(1000).optional(),
          hoursPerMonth: z.number().min(0).max(744).optional(),
        }),
      )
      .min(1)
      .max(100),
  })
  .openapi("ResourcePlan");

export const EstimateSchema = z
  .object({
    currency: z.string().openapi({ example: "USD" }),
    region: z.string(),
    hoursPerMonth: z.number(),
    lineItems: z.array(
      z.object({
        resource: z.string(),
        component: z.enum(["compute", "memory", "storage"]),
        quantity: z.number(),
        unit: z.enum(["vCPU-hour", "GB-hour", "GB-month"]),
        unitPrice: z.number(),
        monthly: z.number(),
      }),
    ),
    total: z.number().openapi({ description: "Monthly total, the sum of the line items" }),
  })
  .openapi("CostEstimate");

type EstimateQueryOut = z.output<typeof EstimateQuery>;
/** The query of GET /api/cost/estimate as a caller passes it (storageGb and count have defaults). */
export type EstimateQuery = Omit<EstimateQueryOut, "storageGb" | "count"> &
  Partial<Pick<EstimateQueryOut, "storageGb" | "count">>;
/** A plan as a caller sends it (storageGb may be left out). */
export type ResourcePlan = z.input<typeof ResourcePlanSchema>;
export type Estimate = z.infer<typeof EstimateSchema>;

export const EXAMPLE_ESTIMATE: Estimate = {
  currency: "USD",
  region: "westeurope",
  hoursPerMonth: 730,
  lineItems: [
    {
      resource: "api",
      component: "compute",
      quantity: 1460,
      unit: "vCPU-hour",
      unitPrice: 0.0456,
      monthly: 66.58,
    },
    {
      resource: "api",
      component: "memory",
      quantity: 5840,
      unit: "GB-hour",
      unitPrice: 0.005,
      monthly: 29.2,
    },
    {
      resource: "api",
      component: "storage",
      quantity: 100,
      unit: "GB-month",
      unitPrice: 0.095,
      monthly: 9.5,
    },
  ],
  total: 105.28,
};
