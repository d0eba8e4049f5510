import type { DeadLetterView, TaskSummaryView, TaskView } from "../cards/task-view";
import type { ConversationRef } from "./activity";
import type { Actor } from "./identity";

// The bot reaches stores and the queue only through the HTTP API (docs/architecture.md).

/** An answer of the API that is not a success: its problem+json, ready to show a person. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string | undefined,
    readonly hint: string | undefined,
    readonly requestId: string | undefined,
    readonly retryAfterMs?: number,
  ) {
    super(detail ?? title);
    this.name = "ApiProblem";
  }
}

export interface Project {
  id: string;
  name: string;
}
export interface Environment {
  id: string;
  projectId: string;
  name: string;
  type: string;
  status: string;
}
export type DeadLetter = DeadLetterView;
export interface TaskOrigin {
  conversationRef: Record<string, unknown> | null;
  cardActivityId: string | null;
}

export interface ApiClientOptions {
  baseUrl: string;
  internalToken: string;
  fetch?: typeof fetch;
  /** Per-request limit; a hung API must not hold a Teams turn (Teams gives up after ~15 s). */
  timeoutMs?: number;
}

/** Whose behalf a call is made on and, for changes, the key that makes a redelivery harmless. */
export interface CallContext {
  actor: Actor;
  idempotencyKey?: string;
}

/** A typed client for the endpoints the bot uses; every call acts for a Teams user. */
export function createApiClient(options: ApiClientOptions) {
  const doFetch = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/$/, "");

  async function call<T>(method: string, path: string, ctx: CallContext, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {
      accept: "application/json",
      "x-internal-token": options.internalToken,
      "x-acting-user": ctx.actor.id,
      "x-acting-role": ctx.actor.role,
      "x-acting-source": "bot",
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (ctx.idempotencyKey) headers["idempotency-key"] = ctx.idempotencyKey.slice(0, 255);
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
    } catch {
      throw new ApiProblem(
        503,
        "api_unreachable",
        "CloudOps is not reachable right now",
        undefined,
        "Try again in a minute; if it persists, tell the platform team.",
        undefined,
      );
    }
    const text = await response.text();
    const json = parse(text);
    if (!response.ok) {
      const p = (json ?? {}) as Record<string, unknown>;
      const str = (k: string) => (typeof p[k] === "string" ? (p[k] as string) : undefined);
      const retryAfter = Number(response.headers.get("retry-after"));
      throw new ApiProblem(
        response.status,
        str("code") ?? `http_${response.status}`,
        str("title") ?? `The API answered ${response.status}`,
        str("detail"),
        str("hint"),
        str("requestId") ?? response.headers.get("x-request-id") ?? undefined,
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
      );
    }
    return json as T;
  }

  const enc = encodeURIComponent;
  type Accepted = { taskId: string };
  return {
    restartWorkload: (ctx: CallContext, namespace: string, workload: string) =>
      call<Accepted>("POST", `/api/k8s/workloads/${enc(namespace)}/${enc(workload)}:restart`, ctx, {}),
    createDeployment: (
      ctx: CallContext,
      body: { projectId: string; envId: string; templateId: string; params: Record<string, unknown> },
    ) => call<Accepted>("POST", "/api/deployments", ctx, body),
    backupDatabase: (ctx: CallContext, engine: string, instance: string) =>
      call<Accepted>("POST", `/api/db/${enc(engine)}/${enc(instance)}/backup`, ctx, {}),
    restoreDatabase: (ctx: CallContext, engine: string, instance: string, artifactId: string) =>
      call<Accepted>("POST", `/api/db/${enc(engine)}/${enc(instance)}/restore`, ctx, { artifactId }),
    createSandbox: (ctx: CallContext, body: { projectId: string; ttlMinutes: number }) =>
      call<Accepted>("POST", "/api/sandboxes", ctx, body),
    getTask: (ctx: CallContext, id: string) => call<TaskView>("GET", `/api/tasks/${enc(id)}`, ctx),
    listTasks: (ctx: CallContext, limit: number) =>
      call<{ items: TaskSummaryView[]; nextCursor: string | null }>("GET", `/api/tasks?limit=${limit}`, ctx),
    retryTask: (ctx: CallContext, id: string) =>
      call<Accepted>("POST", `/api/tasks/${enc(id)}/retry`, ctx, {}),
    cancelTask: (ctx: CallContext, id: string) =>
      call<Accepted & { outcome: "cancelled" | "cancelling" }>(
        "POST",
        `/api/tasks/${enc(id)}/cancel`,
        ctx,
        {},
      ),
    setOrigin: (ctx: CallContext, id: string, conversationRef: ConversationRef, cardActivityId: string) =>
      call<unknown>("PUT", `/api/tasks/${enc(id)}/origin`, ctx, { conversationRef, cardActivityId }),
    getOrigin: (ctx: CallContext, id: string) => call<TaskOrigin>("GET", `/api/tasks/${enc(id)}/origin`, ctx),
    listProjects: (ctx: CallContext) => call<{ items: Project[] }>("GET", "/api/projects", ctx),
    listEnvironments: (ctx: CallContext, projectId: string) =>
      call<{ items: Environment[] }>("GET", `/api/projects/${enc(projectId)}/environments`, ctx),
    listDeadLetters: (ctx: CallContext) => call<{ items: DeadLetter[] }>("GET", "/api/dlq?limit=25", ctx),
    estimateCost: (ctx: CallContext, cpu: number, memoryGb: number, storageGb: number) =>
      call<Record<string, unknown>>(
        "GET",
        `/api/cost/estimate?cpu=${cpu}&memoryGb=${memoryGb}&storageGb=${storageGb}`,
        ctx,
      ),
    /** Opens the all-tasks event stream (the caller reads and closes it). */
    openEventStream: async (ctx: CallContext, lastEventId: string | undefined, signal: AbortSignal) => {
      const headers: Record<string, string> = {
        accept: "text/event-stream",
        "x-internal-token": options.internalToken,
        "x-acting-user": ctx.actor.id,
        "x-acting-role": ctx.actor.role,
        "x-acting-source": "bot",
      };
      if (lastEventId) headers["last-event-id"] = lastEventId;
      return doFetch(`${base}/api/tasks/sse`, { headers, signal });
    },
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

function parse(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
