import {
  ApiProblem,
  type CallOptions,
  type CloudOpsClient,
  createApiClient as createCloudOpsClient,
} from "../contracts/api-client";
import type { BotCardListQuery, ClaimBotCard, RegisterBotCard, UpdateBotCard } from "../contracts/bot-cards";
import type { TaskAccepted } from "../contracts/tasks";
import type { DbEngine } from "../domain/model/task-types";
import { injectTraceHeaders } from "../platform/telemetry/spans";
import type { ConversationRef } from "./activity";
import type { Actor } from "./identity";

// The bot reaches stores and the queue only through the HTTP API (docs/architecture.md), with the
// shared typed client; this file only says who a call acts for.

export { ApiProblem };

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
  /** The Teams activity id: the API stores it as the task's correlation id. */
  correlationId?: string;
}

/** The headers of a call the bot makes for a Teams user: the internal token plus who acts. */
export function botCallerHeaders(internalToken: string, actor: Actor): Record<string, string> {
  return {
    "x-internal-token": internalToken,
    "x-acting-user": actor.id,
    "x-acting-role": actor.role,
    "x-acting-source": "bot",
  };
}

/** The API client for the bot: every call acts for the Teams user of its CallContext. */
export function createApiClient(options: ApiClientOptions) {
  const as = (ctx: CallContext): CloudOpsClient =>
    createCloudOpsClient({
      baseUrl: options.baseUrl,
      // The turn's trace continues in the API (traceparent), and the task remembers the activity.
      headers: () =>
        injectTraceHeaders({
          ...botCallerHeaders(options.internalToken, ctx.actor),
          ...(ctx.correlationId ? { "x-correlation-id": ctx.correlationId } : {}),
        }),
      fetch: options.fetch,
      timeoutMs: options.timeoutMs ?? 10_000,
      unreachable: {
        title: "CloudOps is not reachable right now",
        hint: "Try again in a minute; if it persists, tell the platform team.",
      },
    });
  const key = (ctx: CallContext): CallOptions => ({ idempotencyKey: ctx.idempotencyKey });
  // A call that queues a task asks for the task too: the reply card shows it without a second request.
  const starts = (ctx: CallContext): CallOptions => ({ ...key(ctx), withTask: true });

  return {
    restartWorkload: (ctx: CallContext, namespace: string, workload: string) =>
      as(ctx).restartWorkload(namespace, workload, starts(ctx)),
    createDeployment: (
      ctx: CallContext,
      body: { projectId: string; envId: string; templateId: string; params: Record<string, string> },
    ) =>
      // The template id comes from a person's message: the API says whether it exists.
      as(ctx).request<TaskAccepted>("POST", "/api/deployments", { body, ...starts(ctx) }),
    backupDatabase: (ctx: CallContext, engine: DbEngine, instance: string) =>
      as(ctx).backupDatabase(engine, instance, starts(ctx)),
    restoreDatabase: (ctx: CallContext, engine: DbEngine, instance: string, artifactId: string) =>
      as(ctx).restoreDatabase(engine, instance, { artifactId }, starts(ctx)),
    listDbInstances: (ctx: CallContext) => as(ctx).listDbInstances(),
    listBackups: (ctx: CallContext, engine: DbEngine, instance: string) =>
      as(ctx).listBackups(engine, instance, { limit: 10 }),
    createSandbox: (ctx: CallContext, body: { projectId: string; ttlMinutes: number }) =>
      as(ctx).createSandbox(body, starts(ctx)),
    getTask: (ctx: CallContext, id: string) => as(ctx).getTask(id),
    listTasks: (ctx: CallContext, limit: number) => as(ctx).listTasks({ limit }),
    retryTask: (ctx: CallContext, id: string) => as(ctx).retryTask(id, {}, key(ctx)),
    cancelTask: (ctx: CallContext, id: string) => as(ctx).cancelTask(id, key(ctx)),
    approveTask: (ctx: CallContext, id: string, body: { planSha256?: string; comment?: string }) =>
      as(ctx).approveTask(id, body, key(ctx)),
    rejectTask: (ctx: CallContext, id: string, body: { comment?: string }) =>
      as(ctx).rejectTask(id, body, key(ctx)),
    setOrigin: (ctx: CallContext, id: string, conversationRef: ConversationRef, cardActivityId: string) =>
      as(ctx).setTaskOrigin(id, { conversationRef: { ...conversationRef }, cardActivityId }, key(ctx)),
    getOrigin: (ctx: CallContext, id: string) => as(ctx).getTaskOrigin(id),
    claimCard: (ctx: CallContext, body: ClaimBotCard) => as(ctx).claimBotCard(body),
    registerCard: (ctx: CallContext, body: RegisterBotCard) => as(ctx).registerBotCard(body),
    updateCard: (ctx: CallContext, id: string, body: UpdateBotCard) => as(ctx).updateBotCard(id, body),
    listCards: (ctx: CallContext, query: BotCardListQuery) => as(ctx).listBotCards(query),
    getProject: (ctx: CallContext, id: string) => as(ctx).getProject(id),
    listProjects: (ctx: CallContext) => as(ctx).listProjects(),
    listEnvironments: (ctx: CallContext, projectId: string) => as(ctx).listEnvironments(projectId),
    listDeadLetters: (ctx: CallContext) => as(ctx).listDeadLetters({ limit: 25 }),
    estimateCost: (ctx: CallContext, cpu: number, memoryGb: number, storageGb: number) =>
      as(ctx).estimateCost({ cpu, memoryGb, storageGb }),
    /** Opens the all-tasks event stream (the caller reads and closes it). */
    openEventStream: (ctx: CallContext, lastEventId: string | undefined, signal: AbortSignal) =>
      as(ctx).openEventStream(null, { lastEventId, signal }),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
