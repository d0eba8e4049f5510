import type { DbEngine } from "../domain/model/task-types";
import type { ArtifactList, ArtifactListQuery } from "./artifacts";
import type {
  BotCard,
  BotCardClaim,
  BotCardList,
  BotCardListQuery,
  ClaimBotCard,
  RegisterBotCard,
  UpdateBotCard,
} from "./bot-cards";
import type { Estimate, EstimateQuery, ResourcePlan } from "./cost";
import type { BackupList, BackupListQuery, DbInstanceList, RestoreRequest } from "./databases";
import type { DeadLetter, DeadLetterListQuery, DeadLetterPage, RetryDeadLetterRequest } from "./dead-letters";
import type { DeploymentRequest } from "./deployments";
import type {
  NotificationSettings,
  PutNotificationSettings,
  TestNotificationRequest,
  TestNotificationResult,
} from "./notifications";
import type { Health, QueueState } from "./operations";
import type { TaskPlan } from "./plans";
import type { Problem } from "./problem";
import type {
  CreateEnvironment,
  CreateProject,
  Environment,
  EnvironmentList,
  Project,
  ProjectList,
  UpdateEnvironment,
  UpdateProject,
} from "./projects";
import type { SandboxRequest } from "./sandboxes";
import type {
  ApproveTaskRequest,
  RejectTaskRequest,
  RetryTaskRequest,
  SetTaskOrigin,
  TaskAccepted,
  TaskCancelled,
  TaskDecision,
  TaskDetail,
  TaskHistory,
  TaskListQuery,
  TaskLogs,
  TaskLogsQuery,
  TaskOriginRecord,
  TaskOriginSet,
  TaskPage,
} from "./tasks";
import { RETURN_REPRESENTATION } from "./tasks";

// The one typed client of the HTTP API, shared by the bot, the dashboard and tests. It knows paths,
// bodies and answers; who calls (identity headers) is the caller's business, passed in as `headers`.

/** An answer of the API that is not a success: its problem+json, ready to show a person. */
export class ApiProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly requestId: string | undefined;
  /** From Retry-After (429, 503): how long to wait before trying again. */
  readonly retryAfterMs: number | undefined;
  /** Per-field messages of a validation problem. */
  readonly errors: Problem["errors"];

  constructor(problem: {
    status: number;
    code: string;
    title: string;
    detail?: string | undefined;
    hint?: string | undefined;
    requestId?: string | undefined;
    retryAfterMs?: number | undefined;
    errors?: Problem["errors"];
  }) {
    super(problem.detail ?? problem.title);
    this.name = "ApiProblem";
    this.status = problem.status;
    this.code = problem.code;
    this.title = problem.title;
    this.detail = problem.detail;
    this.hint = problem.hint;
    this.requestId = problem.requestId;
    this.retryAfterMs = problem.retryAfterMs;
    this.errors = problem.errors;
  }
}

export interface ApiClientOptions {
  /** Where the API is, e.g. http://127.0.0.1:3000 (a trailing slash is ignored). */
  baseUrl: string;
  /** The headers that say who calls, asked for on every call (so a token may change between calls). */
  headers?: () => Record<string, string> | Promise<Record<string, string>>;
  fetch?: typeof fetch;
  /** Limit for each JSON call (not for event streams); none when left out. */
  timeoutMs?: number;
  /** What the ApiProblem says when the API cannot be reached at all (status 503, code api_unreachable). */
  unreachable?: { title: string; detail?: string; hint?: string };
}

/** Per-call options: the key that makes a repeated change harmless, and a way to give up. */
export interface CallOptions {
  idempotencyKey?: string | undefined;
  signal?: AbortSignal | undefined;
  /**
   * For routes that queue a task: ask for the task itself in the answer (`Prefer:
   * return=representation`). An API that does not honour it answers without `task`; read it then.
   */
  withTask?: boolean | undefined;
}

type Query = Record<string, string | number | boolean | undefined | null>;

interface RequestOptions extends CallOptions {
  query?: Query | undefined;
  body?: unknown;
}

/** A typed client of the CloudOps HTTP API. Every method throws ApiProblem when the API refuses. */
export function createApiClient(options: ApiClientOptions) {
  const doFetch = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/$/, "");
  const enc = encodeURIComponent;

  async function send(
    method: string,
    path: string,
    init: RequestOptions,
    accept: string,
    extra: Record<string, string> = {},
    timeoutMs?: number,
  ): Promise<Response> {
    const headers: Record<string, string> = { accept, ...(await options.headers?.()), ...extra };
    if (init.body !== undefined) headers["content-type"] = "application/json";
    if (init.idempotencyKey) headers["idempotency-key"] = init.idempotencyKey.slice(0, 255);
    if (init.withTask) headers.prefer = RETURN_REPRESENTATION;
    try {
      return await doFetch(`${base}${path}${queryString(init.query)}`, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: withTimeout(init.signal, timeoutMs),
      });
    } catch (error) {
      // The caller gave up: that is theirs to handle. A timeout or a refused connection is ours to say.
      if (init.signal?.aborted) throw error;
      throw unreachable();
    }
  }

  function unreachable(): ApiProblem {
    const said = options.unreachable ?? { title: "The API is not reachable" };
    return new ApiProblem({ status: 503, code: "api_unreachable", ...said });
  }

  /** One JSON call: the parsed answer on success, an ApiProblem otherwise. */
  async function request<T>(method: string, path: string, init: RequestOptions = {}): Promise<T> {
    const response = await send(method, path, init, "application/json", {}, options.timeoutMs);
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      // The answer broke off (timeout, dropped connection) before its body was complete.
      if (init.signal?.aborted) throw error;
      throw unreachable();
    }
    const body = parseJson(text);
    if (!response.ok) throw toProblem(response, body);
    return body as T;
  }

  return {
    request,

    /**
     * Opens a task event stream: one task's (`taskId`) or every task's (null), resuming after
     * `lastEventId`. Read the body with readSse (contracts/sse-reader.ts).
     */
    async openEventStream(
      taskId: string | null,
      stream: { lastEventId?: string | undefined; signal?: AbortSignal | undefined } = {},
    ): Promise<Response> {
      const path = taskId === null ? "/api/tasks/sse" : `/api/tasks/${enc(taskId)}/sse`;
      const resume: Record<string, string> = stream.lastEventId
        ? { "last-event-id": stream.lastEventId }
        : {};
      const response = await send("GET", path, { signal: stream.signal }, "text/event-stream", resume);
      return streamOrProblem(response);
    },

    listTasks: (query: TaskListQuery = {}, call?: CallOptions) =>
      request<TaskPage>("GET", "/api/tasks", { query, ...call }),
    getTask: (id: string, call?: CallOptions) => request<TaskDetail>("GET", `/api/tasks/${enc(id)}`, call),
    getTaskHistory: (id: string, call?: CallOptions) =>
      request<TaskHistory>("GET", `/api/tasks/${enc(id)}/history`, call),
    getTaskLogs: (id: string, query: TaskLogsQuery = {}, call?: CallOptions) =>
      request<TaskLogs>("GET", `/api/tasks/${enc(id)}/logs`, { query, ...call }),
    retryTask: (id: string, body: RetryTaskRequest = {}, call?: CallOptions) =>
      request<TaskAccepted>("POST", `/api/tasks/${enc(id)}/retry`, { body, ...call }),
    cancelTask: (id: string, call?: CallOptions) =>
      request<TaskCancelled>("POST", `/api/tasks/${enc(id)}/cancel`, { body: {}, ...call }),
    approveTask: (id: string, body: ApproveTaskRequest = {}, call?: CallOptions) =>
      request<TaskDecision>("POST", `/api/tasks/${enc(id)}/approve`, { body, ...call }),
    rejectTask: (id: string, body: RejectTaskRequest = {}, call?: CallOptions) =>
      request<TaskDecision>("POST", `/api/tasks/${enc(id)}/reject`, { body, ...call }),
    getTaskPlan: (id: string, call?: CallOptions) =>
      request<TaskPlan>("GET", `/api/tasks/${enc(id)}/plan`, call),
    getTaskOrigin: (id: string, call?: CallOptions) =>
      request<TaskOriginRecord>("GET", `/api/tasks/${enc(id)}/origin`, call),
    setTaskOrigin: (id: string, body: SetTaskOrigin, call?: CallOptions) =>
      request<TaskOriginSet>("PUT", `/api/tasks/${enc(id)}/origin`, { body, ...call }),

    claimBotCard: (body: ClaimBotCard, call?: CallOptions) =>
      request<BotCardClaim>("POST", "/api/bot/cards/claims", { body, ...call }),
    registerBotCard: (body: RegisterBotCard, call?: CallOptions) =>
      request<BotCard>("POST", "/api/bot/cards", { body, ...call }),
    updateBotCard: (id: string, body: UpdateBotCard, call?: CallOptions) =>
      request<BotCard>("PATCH", `/api/bot/cards/${enc(id)}`, { body, ...call }),
    listBotCards: (query: BotCardListQuery = {}, call?: CallOptions) =>
      request<BotCardList>("GET", "/api/bot/cards", { query, ...call }),

    listProjects: (call?: CallOptions) => request<ProjectList>("GET", "/api/projects", call),
    getProject: (id: string, call?: CallOptions) => request<Project>("GET", `/api/projects/${enc(id)}`, call),
    createProject: (body: CreateProject, call?: CallOptions) =>
      request<Project>("POST", "/api/projects", { body, ...call }),
    updateProject: (id: string, body: UpdateProject, call?: CallOptions) =>
      request<Project>("PATCH", `/api/projects/${enc(id)}`, { body, ...call }),
    listEnvironments: (projectId: string, call?: CallOptions) =>
      request<EnvironmentList>("GET", `/api/projects/${enc(projectId)}/environments`, call),
    createEnvironment: (projectId: string, body: CreateEnvironment, call?: CallOptions) =>
      request<Environment>("POST", `/api/projects/${enc(projectId)}/environments`, { body, ...call }),
    updateEnvironment: (projectId: string, envId: string, body: UpdateEnvironment, call?: CallOptions) =>
      request<Environment>("PATCH", `/api/projects/${enc(projectId)}/environments/${enc(envId)}`, {
        body,
        ...call,
      }),

    getNotificationSettings: (projectId: string, call?: CallOptions) =>
      request<NotificationSettings>("GET", `/api/projects/${enc(projectId)}/notifications`, call),
    putNotificationSettings: (projectId: string, body: PutNotificationSettings, call?: CallOptions) =>
      request<NotificationSettings>("PUT", `/api/projects/${enc(projectId)}/notifications`, {
        body,
        ...call,
      }),
    sendTestNotification: (body: TestNotificationRequest, call?: CallOptions) =>
      request<TestNotificationResult>("POST", "/api/notifications/test", { body, ...call }),

    listDeadLetters: (query: DeadLetterListQuery = {}, call?: CallOptions) =>
      request<DeadLetterPage>("GET", "/api/dlq", { query, ...call }),
    retryDeadLetter: (id: string, body: RetryDeadLetterRequest = {}, call?: CallOptions) =>
      request<TaskAccepted>("POST", `/api/dlq/${enc(id)}/retry`, { body, ...call }),
    skipDeadLetter: (id: string, call?: CallOptions) =>
      request<DeadLetter>("POST", `/api/dlq/${enc(id)}/skip`, { body: {}, ...call }),

    createDeployment: (body: DeploymentRequest, call?: CallOptions) =>
      request<TaskAccepted>("POST", "/api/deployments", { body, ...call }),
    createSandbox: (body: SandboxRequest, call?: CallOptions) =>
      request<TaskAccepted>("POST", "/api/sandboxes", { body, ...call }),
    backupDatabase: (engine: DbEngine, instanceId: string, call?: CallOptions) =>
      request<TaskAccepted>("POST", `/api/db/${enc(engine)}/${enc(instanceId)}/backup`, {
        body: {},
        ...call,
      }),
    restoreDatabase: (engine: DbEngine, instanceId: string, body: RestoreRequest, call?: CallOptions) =>
      request<TaskAccepted>("POST", `/api/db/${enc(engine)}/${enc(instanceId)}/restore`, { body, ...call }),
    listDbInstances: (call?: CallOptions) => request<DbInstanceList>("GET", "/api/db/instances", call),
    listArtifacts: (query: ArtifactListQuery = {}, call?: CallOptions) =>
      request<ArtifactList>("GET", "/api/artifacts", { query: { ...query }, ...call }),
    listBackups: (engine: DbEngine, instanceId: string, query: BackupListQuery = {}, call?: CallOptions) =>
      request<BackupList>("GET", `/api/db/${enc(engine)}/${enc(instanceId)}/backups`, { query, ...call }),
    restartWorkload: (namespace: string, name: string, call?: CallOptions) =>
      request<TaskAccepted>("POST", `/api/k8s/workloads/${enc(namespace)}/${enc(name)}:restart`, {
        body: {},
        ...call,
      }),

    estimateCost: (query: EstimateQuery, call?: CallOptions) =>
      request<Estimate>("GET", "/api/cost/estimate", { query, ...call }),
    estimatePlan: (plan: ResourcePlan, call?: CallOptions) =>
      request<Estimate>("POST", "/api/cost/estimate", { body: plan, ...call }),
    getQueue: (call?: CallOptions) => request<QueueState>("GET", "/api/queue", call),
    getHealth: (call?: CallOptions) => request<Health>("GET", "/api/health", call),
  };
}

export type CloudOpsClient = ReturnType<typeof createApiClient>;

function withTimeout(signal: AbortSignal | undefined, ms: number | undefined): AbortSignal | undefined {
  if (ms === undefined) return signal;
  const timeout = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

function queryString(query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The API's problem+json as an ApiProblem; a body that is not one still gives status and a code. */
function toProblem(response: Response, body: unknown): ApiProblem {
  const p = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  const str = (key: string) => (typeof p[key] === "string" && p[key] !== "" ? (p[key] as string) : undefined);
  const retryAfter = Number(response.headers.get("retry-after"));
  return new ApiProblem({
    status: response.status,
    code: str("code") ?? `http_${response.status}`,
    title: str("title") ?? `The API answered ${response.status}`,
    detail: str("detail"),
    hint: str("hint"),
    requestId: str("requestId") ?? response.headers.get("x-request-id") ?? undefined,
    retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
    errors: Array.isArray(p.errors) ? (p.errors as Problem["errors"]) : undefined,
  });
}

async function streamOrProblem(response: Response): Promise<Response> {
  if (response.ok && response.body) return response;
  throw toProblem(response, parseJson(await response.text().catch(() => "")));
}
