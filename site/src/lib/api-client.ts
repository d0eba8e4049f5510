import {
  ApiProblem,
  type CloudOpsClient,
  createApiClient as createCloudOpsClient,
} from "../../../contracts/api-client";
import { type ActingIdentity, actingHeaders } from "./acting-identity";
import type { SiteLocals } from "./site-locals";

/** An RFC 9457 problem as the API sends it, reduced to what a person needs to read. */
export interface Problem {
  status: number;
  title: string;
  detail: string;
  code: string;
  hint?: string;
  /** Per-field messages of a validation problem (`emailList.0`, `teamsWebhookUrl`). */
  errors?: Array<{ path: string; message: string }>;
}

export type ApiResult<T> = { ok: true; data: T } | { ok: false; problem: Problem };

/**
 * The shared typed API client (contracts/api-client.ts) as pages use it: every call answers an
 * ApiResult instead of throwing, so a page shows the problem next to what it was doing.
 */
export type ApiClient = {
  [K in Exclude<keyof CloudOpsClient, "request">]: CloudOpsClient[K] extends (
    ...args: infer A
  ) => Promise<infer R>
    ? (...args: A) => Promise<ApiResult<R>>
    : never;
} & {
  /** A call the typed methods do not name, e.g. a form relayed as the API validates it. */
  request<T>(...args: Parameters<CloudOpsClient["request"]>): Promise<ApiResult<T>>;
};

/** Calls the API in this process as the acting person (the signed-in user; the demo user in demo mode). */
export function createApiClient(locals: SiteLocals, acting: ActingIdentity): ApiClient {
  const client = createCloudOpsClient({
    baseUrl: locals.apiBase,
    headers: () => actingHeaders(locals, acting),
    unreachable: {
      title: "The API did not answer",
      detail: "The dashboard could not reach the API in this process.",
      hint: "Check that the process runs with ROLE=all or ROLE=api, then reload.",
    },
  });
  const entries = Object.entries(client).map(([name, method]) => [
    name,
    (...args: unknown[]) =>
      (method as (...a: unknown[]) => Promise<unknown>)(...args).then(
        (data) => ({ ok: true, data }),
        (error: unknown) => ({ ok: false, problem: toProblem(error) }),
      ),
  ]);
  return Object.fromEntries(entries) as ApiClient;
}

function toProblem(error: unknown): Problem {
  if (error instanceof ApiProblem) {
    return {
      status: error.status,
      title: error.title,
      detail: error.detail ?? "",
      code: error.code,
      ...(error.hint ? { hint: error.hint } : {}),
      ...(error.errors?.length ? { errors: error.errors } : {}),
    };
  }
  // A programming error or an aborted call: say so without internals.
  return { status: 500, title: "The dashboard could not finish this call", detail: "", code: "site_error" };
}
