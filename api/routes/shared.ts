import { z } from "@hono/zod-openapi";
import { ProblemSchema } from "../../contracts/problem";

const problemContent = (example: { code: string; title: string; status: number; detail: string }) => ({
  "application/problem+json": {
    schema: ProblemSchema,
    example: {
      type: `https://cloudops.dev/problems/${example.code}`,
      requestId: "req_6f1c2a9e5b7d3c10",
      ...example,
    },
  },
});

/** The error answers every route may give; spread into each route's `responses`. */
export const errorResponses = {
  400: {
    description: "The request is not valid (path, query, headers or body)",
    content: problemContent({
      code: "validation_failed",
      title: "The request is not valid",
      status: 400,
      detail: "ttlMinutes: Too big",
    }),
  },
  401: {
    description: "No valid sign-in (production: Bearer JWT; internal callers: X-Internal-Token)",
    content: problemContent({
      code: "unauthorized",
      title: "Sign-in required",
      status: 401,
      detail: "Send Authorization: Bearer <token>",
    }),
  },
  403: {
    description: "The caller's role does not allow this",
    content: problemContent({
      code: "forbidden",
      title: "Not allowed",
      status: 403,
      detail: "This needs the operator role; you are viewer",
    }),
  },
  404: {
    description: "The resource does not exist",
    content: problemContent({
      code: "task_not_found",
      title: "Not found",
      status: 404,
      detail: "No task has the id tsk_01jd2x5k8m0000abcdefghjkmn",
    }),
  },
  405: {
    description: "The path exists but not with this method (see the Allow header)",
    content: problemContent({
      code: "method_not_allowed",
      title: "Method not allowed",
      status: 405,
      detail: "Use GET",
    }),
  },
  409: {
    description:
      "Not possible in the resource's current state, or a request with the same Idempotency-Key is still running",
    content: problemContent({
      code: "task_not_retryable",
      title: "Conflict",
      status: 409,
      detail: "The task is running; only failed tasks can be retried",
    }),
  },
  413: {
    description: "The body is larger than MAX_BODY_BYTES (default 65536)",
    content: problemContent({
      code: "payload_too_large",
      title: "Request body too large",
      status: 413,
      detail: "Bodies may be at most 65536 bytes",
    }),
  },
  415: {
    description: "The body is not application/json",
    content: problemContent({
      code: "unsupported_media_type",
      title: "Unsupported media type",
      status: 415,
      detail: "Send the body as application/json",
    }),
  },
  422: {
    description:
      "Well-formed but refused: Idempotency-Key reused for another request, or a referenced resource does not fit",
    content: problemContent({
      code: "idempotency_key_reused",
      title: "Idempotency-Key already used",
      status: 422,
      detail: "This key was used for a different request",
    }),
  },
  429: {
    description:
      "Too many changes by this user this minute (RATE_LIMIT_PER_MINUTE, default 60); see Retry-After",
    content: problemContent({
      code: "rate_limited",
      title: "Too many requests",
      status: 429,
      detail: "At most 60 changes per minute per user",
    }),
  },
  500: {
    description: "Something failed on the server; the body never shows internals",
    content: problemContent({
      code: "internal_error",
      title: "Internal server error",
      status: 500,
      detail: "Something went wrong on our side",
    }),
  },
  503: {
    description:
      "A dependency (Redis, the database) cannot be reached; nothing was changed. Retry after the Retry-After header's seconds",
    content: problemContent({
      code: "dependency_unavailable",
      title: "Service temporarily unavailable",
      status: 503,
      detail: "Redis cannot be reached right now; nothing was changed. Retry in a few seconds",
    }),
  },
} as const;

/** Headers every mutating route documents. */
export const MutationHeaders = z.object({
  "idempotency-key": z
    .string()
    .optional()
    .openapi({
      description:
        "Optional, 1-255 visible ASCII characters, scoped to the caller. Repeating a request with the same key returns the first answer (same taskId); " +
        "the same key with a different request is refused with 422 idempotency_key_reused. Keys expire after IDEMPOTENCY_TTL_HOURS (default 24 h).",
      example: "5f0d3c1e-deploy-shop-prod",
    }),
});

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
