import { type ActingIdentity, actingHeaders } from "./acting-identity";
import type { SiteLocals } from "./site-locals";

/** An RFC 9457 problem as the API sends it, reduced to what a person needs to read. */
export interface Problem {
  status: number;
  title: string;
  detail: string;
  code: string;
  hint?: string;
}

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; problem: Problem };

export interface ApiClient {
  get<T>(path: string): Promise<ApiResult<T>>;
  send<T>(
    method: "POST" | "PUT" | "DELETE" | "PATCH",
    path: string,
    body: unknown,
    idempotencyKey: string,
  ): Promise<ApiResult<T>>;
  /** Opens an API SSE stream, resuming after `lastEventId` when given. */
  stream(path: string, lastEventId: string | null, signal: AbortSignal): Promise<Response>;
}

/** Calls the API in this process as the acting person (the signed-in user; the demo user in demo mode). */
export function createApiClient(locals: SiteLocals, acting: ActingIdentity): ApiClient {
  const headers = async (extra: Record<string, string> = {}) => ({
    accept: "application/json",
    ...(await actingHeaders(locals, acting)),
    ...extra,
  });

  async function call<T>(path: string, init: RequestInit): Promise<ApiResult<T>> {
    let response: Response;
    try {
      response = await fetch(`${locals.apiBase}${path}`, init);
    } catch {
      return {
        ok: false,
        problem: {
          status: 503,
          title: "The API did not answer",
          detail: "The dashboard could not reach the API in this process.",
          code: "api_unreachable",
          hint: "Check that the process runs with ROLE=all or ROLE=api, then reload.",
        },
      };
    }
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (response.ok) return { ok: true, status: response.status, data: body as T };
    return { ok: false, problem: toProblem(response.status, body) };
  }

  return {
    get: async (path) => call(path, { headers: await headers() }),
    send: async (method, path, body, idempotencyKey) =>
      call(path, {
        method,
        headers: await headers({ "content-type": "application/json", "idempotency-key": idempotencyKey }),
        body: JSON.stringify(body ?? {}),
      }),
    stream: async (path, lastEventId, signal) =>
      fetch(`${locals.apiBase}${path}`, {
        headers: await headers({
          accept: "text/event-stream",
          ...(lastEventId ? { "last-event-id": lastEventId } : {}),
        }),
        signal,
      }),
  };
}

function toProblem(status: number, body: unknown): Problem {
  const b = (body ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v : undefined);
  return {
    status,
    title: str(b.title) ?? `The API answered ${status}`,
    detail: str(b.detail) ?? "",
    code: str(b.code) ?? `http_${status}`,
    ...(str(b.hint) ? { hint: str(b.hint) } : {}),
  };
}
