import { z } from "@hono/zod-openapi";
import type { Context } from "hono";

/** An error the API answers with on purpose: RFC 9457 problem+json with a stable `code`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    this.name = "ApiError";
  }
}

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "https://cloudops.dev/problems/task_not_found" }),
    title: z.string().openapi({ example: "Task not found" }),
    status: z.number().int().openapi({ example: 404 }),
    detail: z.string().optional().openapi({ example: "No task has the id tsk_01jd2x5k8m0000abcdefghjkmn" }),
    code: z.string().openapi({ example: "task_not_found" }),
    requestId: z.string().openapi({ example: "req_6f1c2a9e" }),
    hint: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Problem");

export type Problem = z.infer<typeof ProblemSchema>;

export const PROBLEM_TYPE_BASE = "https://cloudops.dev/problems/";

/** Writes a problem+json response. Never pass an internal exception message as `detail`. */
export function problem(
  c: Context,
  status: number,
  code: string,
  title: string,
  detail?: string,
  extra: Record<string, unknown> = {},
): Response {
  const requestId = (c.get("requestId" as never) as string | undefined) ?? "unknown";
  const body: Record<string, unknown> = {
    type: `${PROBLEM_TYPE_BASE}${code}`,
    title,
    status,
    code,
    requestId,
    ...extra,
  };
  if (detail) body.detail = detail;
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/problem+json", "x-request-id": requestId },
  });
}
