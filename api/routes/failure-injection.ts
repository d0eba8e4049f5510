import { z } from "@hono/zod-openapi";

/**
 * Optional body fields that ask a demo step to fail (README "Failure injection"). Accepted only in
 * demo mode (submitTask refuses them otherwise), so demos and browser tests can drive the DLQ flow.
 */
export const FailureInjectionFields = {
  failAt: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .openapi({ description: "Demo mode only: the name of a step that should fail", example: "apply" }),
  failTimes: z
    .number()
    .int()
    .min(1)
    .max(100)
    .optional()
    .openapi({ description: "Demo mode only: fail only the first n attempts", example: 3 }),
  failPermanently: z
    .boolean()
    .optional()
    .openapi({ description: "Demo mode only: fail without retrying (straight to the dead-letter queue)" }),
};

export const FAILURE_INJECTION_KEYS = ["failAt", "failTimes", "failPermanently"] as const;

/** The failure-injection fields a parsed body carries, ready to merge into a task payload. */
export function failureInjectionOf(body: {
  failAt?: string;
  failTimes?: number;
  failPermanently?: boolean;
}): Record<string, unknown> {
  return Object.fromEntries(
    FAILURE_INJECTION_KEYS.filter((k) => body[k] !== undefined).map((k) => [k, body[k]]),
  );
}
