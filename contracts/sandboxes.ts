import { z } from "@hono/zod-openapi";
import { dnsLabel, FailureInjectionFields, idSchema, PROJECT_ID_EXAMPLE } from "./common";

/** A sandbox lives at least 5 minutes and at most 7 days (10080 minutes). */
export const SANDBOX_TTL_MINUTES = { min: 5, max: 10_080 } as const;

export const SandboxRequestSchema = z
  .strictObject({
    projectId: idSchema("project", PROJECT_ID_EXAMPLE),
    ttlMinutes: z
      .number()
      .int()
      .min(SANDBOX_TTL_MINUTES.min)
      .max(SANDBOX_TTL_MINUTES.max)
      .openapi({ description: "Minutes until the sandbox expires: 5 to 10080 (7 days)", example: 120 }),
    name: dnsLabel("sbx-feature-x")
      .optional()
      .openapi({ description: "Environment name (DNS-1123 label); generated when left out" }),
    ...FailureInjectionFields,
  })
  .openapi("SandboxRequest");

export type SandboxRequest = z.input<typeof SandboxRequestSchema>;
