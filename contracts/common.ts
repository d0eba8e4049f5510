import { z } from "@hono/zod-openapi";
import { type IdKind, idPattern } from "../domain/model/ids";

// Building blocks shared by the resources' contracts. `z` comes from @hono/zod-openapi so the same
// schemas carry the OpenAPI metadata the API publishes; at runtime it is plain zod.

/** An id of the given kind (prefix + ULID), e.g. `tsk_…` for a task. */
export const idSchema = (kind: IdKind, example: string) =>
  z.string().regex(idPattern(kind), `must be a ${kind} id like ${example}`).openapi({ example });

export const TASK_ID_EXAMPLE = "tsk_01jd2x5k8m0000abcdefghjkmn";
export const PROJECT_ID_EXAMPLE = "prj_01jd2x5k8m0000abcdefghjkmn";
export const ENV_ID_EXAMPLE = "env_01jd2x5k8m0000abcdefghjkmn";

/** A DNS-1123 label: lower-case letters, digits and '-', starting and ending alphanumeric, at most 63. */
/** A DNS-1123 label: what Kubernetes and the API accept as a namespace, workload or instance name. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_LABEL_MAX = 63;

export const dnsLabel = (example: string) =>
  z
    .string()
    .max(DNS_LABEL_MAX)
    .regex(DNS_LABEL, "must be a DNS-1123 label (a-z, 0-9, '-'; at most 63)")
    .openapi({ example });

/**
 * Optional body fields that ask a demo step to fail (README "Failure injection"). The API accepts
 * them in demo mode only, so demos and browser tests can drive the dead-letter flow.
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
export type FailureInjection = { failAt?: string; failTimes?: number; failPermanently?: boolean };
