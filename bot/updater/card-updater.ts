import { buildTaskCard } from "../../cards/task-card";
import type { Logger } from "../../platform/logger";
import { createSlidingWindowLimiter } from "../../platform/rate-limit/sliding-window-limiter";
import { type Instruments, noopInstruments } from "../../platform/telemetry/instruments";
import { contextFromTraceparent, withSpan } from "../../platform/telemetry/spans";
import { type ConversationRef, cardMessage, isConversationRef, refreshUsersOf } from "../activity";
import { type ApiClient, ApiProblem } from "../api-client";
import type { Actor } from "../identity";
import { ConnectorCallError } from "../seam/botframework";
import { createCoalescer, type DeliveryOutcome } from "./coalescer";
import { followEventStream, type SseSubscription } from "./sse-client";
import { TEAMS_CONVERSATION_LIMITS } from "./teams-limits";

export interface CardUpdaterDeps {
  api: ApiClient;
  /** Replaces a message for everyone (the seam's proactive update). */
  updateMessage(
    ref: ConversationRef,
    message: ReturnType<typeof cardMessage> & { id: string },
  ): Promise<void>;
  publicUrl: string;
  logger: Logger;
  /** At most one update per card per this interval (default 1500 ms). */
  minIntervalMs?: number;
  /** Card updates sent, throttled (429) and failed. */
  instruments?: Instruments;
}

/** The bot reads tasks and origins as itself; reads need no user behind them. */
const UPDATER: Actor = { id: "cloudops-card-updater", name: "CloudOps card updater", role: "viewer" };
const RETRYABLE = new Set([408, 412, 429, 500, 502, 503, 504]);

/**
 * Keeps every bot card in step with its task: follows the API's all-tasks event stream, coalesces
 * events per task, and replaces the card in place within Teams' per-conversation limits. A failed
 * update is logged and retried; it never throws into the process and never touches the task.
 */
export function createCardUpdater(deps: CardUpdaterDeps) {
  const { api, logger } = deps;
  const instruments = deps.instruments ?? noopInstruments;
  const ctx = { actor: UPDATER };
  const limiter = createSlidingWindowLimiter(TEAMS_CONVERSATION_LIMITS);
  // Origins never change once stored, so one read per task and process is enough.
  const origins = new Map<string, { ref: ConversationRef; cardActivityId: string }>();
  let subscription: SseSubscription | null = null;

  async function originOf(taskId: string) {
    const known = origins.get(taskId);
    if (known) return known;
    const origin = await api.getOrigin(ctx, taskId);
    if (!origin.cardActivityId || !isConversationRef(origin.conversationRef)) return null;
    const found = { ref: origin.conversationRef, cardActivityId: origin.cardActivityId };
    if (origins.size > 10_000) origins.clear();
    origins.set(taskId, found);
    return found;
  }

  async function deliver(taskId: string): Promise<DeliveryOutcome> {
    try {
      const origin = await originOf(taskId);
      if (!origin) return { kind: "drop" };
      const wait = limiter.take(origin.ref.conversation.id, Date.now());
      if (wait > 0) return { kind: "later", delayMs: wait };
      const task = await api.getTask(ctx, taskId);
      const card = buildTaskCard(task, {
        publicUrl: deps.publicUrl,
        refreshUserIds: refreshUsersOf(origin.ref),
      });
      // The update joins the task's trace: the last span of the front-door action.
      await withSpan(
        "card.update",
        {
          parent: contextFromTraceparent(task.traceparent),
          attributes: { "cloudops.task.id": taskId, "cloudops.task.status": task.status },
        },
        () =>
          deps.updateMessage(
            origin.ref,
            cardMessage(card, origin.cardActivityId) as ReturnType<typeof cardMessage> & { id: string },
          ),
      );
      instruments.cardUpdates.add(1, { outcome: "sent" });
      logger.debug("card updated", { taskId, status: task.status });
      return { kind: "done" };
    } catch (error) {
      if (error instanceof ConnectorCallError) {
        instruments.cardUpdates.add(1, { outcome: error.status === 429 ? "throttled" : "failed" });
      }
      if (error instanceof ApiProblem && error.status === 404) return { kind: "drop" };
      if (error instanceof ConnectorCallError && error.status !== undefined && !RETRYABLE.has(error.status)) {
        logger.warn("card update refused by the Bot Connector; giving up on this card", {
          taskId,
          status: error.status,
        });
        return { kind: "drop" };
      }
      const retryAfterMs =
        error instanceof ConnectorCallError || error instanceof ApiProblem ? error.retryAfterMs : undefined;
      logger.warn("card update failed; will retry", { taskId, error, retryAfterMs });
      return { kind: "failed", retryAfterMs };
    }
  }

  const coalescer = createCoalescer({
    minIntervalMs: deps.minIntervalMs ?? 1500,
    deliver,
    onGiveUp: (taskId, attempts) => logger.error("card update given up", { taskId, attempts }),
  });

  return {
    /** Starts following task events; resolves at once (the stream reconnects by itself). */
    start(): void {
      if (subscription) return;
      subscription = followEventStream({
        open: (lastEventId, signal) => api.openEventStream(ctx, lastEventId, signal),
        onMessage: (message) => {
          if (message.event === "message" || message.event === "ping") return;
          const taskId = taskIdOf(message.data);
          if (taskId) coalescer.push(taskId);
        },
        logger,
      });
    },
    /** Asks for an update of one task's card now (e.g. right after its origin was stored). */
    track(taskId: string): void {
      coalescer.push(taskId);
    },
    /** True when no update of this task's card is waiting, scheduled or being sent. */
    settled: (taskId: string): boolean => coalescer.isIdle(taskId),
    /** Forgets a cached origin (e.g. the card moved to a newer message). */
    forget(taskId: string): void {
      origins.delete(taskId);
    },
    async stop(): Promise<void> {
      coalescer.stop();
      await subscription?.close();
      subscription = null;
    },
  };
}

export type CardUpdater = ReturnType<typeof createCardUpdater>;

function taskIdOf(data: string): string | undefined {
  try {
    const parsed = JSON.parse(data) as { taskId?: unknown };
    return typeof parsed.taskId === "string" ? parsed.taskId : undefined;
  } catch {
    return undefined;
  }
}
