import type { Context } from "hono";
import { PROBLEM_TYPE_BASE } from "../contracts/problem";

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
