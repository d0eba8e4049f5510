import type { BotCard } from "../../contracts/bot-cards";
import { isTerminal } from "../../domain/model/task-status";
import { backoffDelay } from "../../platform/backoff";
import type { Logger } from "../../platform/logger";
import { type Instruments, noopInstruments } from "../../platform/telemetry/instruments";
import { contextFromTraceparent, withSpan } from "../../platform/telemetry/spans";
import { type ConversationRef, cardMessage, isConversationRef, refreshUsersOf } from "../activity";
import { type ApiClient, ApiProblem } from "../api-client";
import type { ConversationGate } from "../conversation-gate";
import type { Actor } from "../identity";
import { ConnectorCallError } from "../seam/botframework";
import { type TaskCards, taskVersion } from "../task-cards";
import { CARD_DELIVERY_BACKOFF, createCoalescer, type DeliveryOutcome } from "./coalescer";
import { followEventStream, type SseSubscription } from "./sse-client";

export interface CardUpdaterDeps {
  api: ApiClient;
  /** Replaces a message for everyone (the seam's proactive update). */
  updateMessage(
    ref: ConversationRef,
    message: ReturnType<typeof cardMessage> & { id: string },
  ): Promise<void>;
  cards: TaskCards;
  /** The per-conversation limit every send of the bot shares. */
  gate: ConversationGate;
  logger: Logger;
  /** At most one update per card per this interval (default 1500 ms). */
  minIntervalMs?: number;
  /** Card updates sent, throttled (429) and failed. */
  instruments?: Instruments;
  /** How long the list of a task's cards is trusted before a task event reads it again (10 s). */
  cardsTtlMs?: number;
  /** Past this many tasks in memory, the quiet ones are forgotten (1,000; see forgetQuiet). */
  maxKnownTasks?: number;
}

/** One posted message showing a task. `recordId` null: a legacy origin with no bot_cards row. */
export interface TrackedCard {
  key: string;
  recordId: string | null;
  taskId: string;
  activityId: string;
  ref: ConversationRef;
  deliveredStatus: string | null;
  attempts: number;
  /** The task version the message shows, when known (taskVersion); an unchanged task is not re-sent. */
  shownVersion?: string;
}

/** The bot reads tasks and cards as itself; reads need no user behind them. */
const UPDATER: Actor = { id: "cloudops-card-updater", name: "CloudOps card updater", role: "viewer" };
const RETRYABLE = new Set([408, 412, 429, 500, 502, 503, 504]);

/** A bot_cards record as a tracked card, or null when it cannot be updated (no message, bad ref). */
export function trackedOf(card: BotCard): TrackedCard | null {
  if (!card.activityId || !card.taskId || !isConversationRef(card.conversationRef)) return null;
  return {
    key: card.id,
    recordId: card.id,
    taskId: card.taskId,
    activityId: card.activityId,
    ref: card.conversationRef,
    deliveredStatus: card.deliveredStatus,
    attempts: card.attempts,
  };
}

/**
 * Keeps every card of every task current: follows the API's all-tasks event stream, coalesces per
 * card, and replaces each card in place within Teams' per-conversation limits. A task may have
 * several cards (the one that started it, a `status` card someone clicked Retry on, …). An update
 * the connector refuses for now (429, 5xx) is retried with capped backoff for as long as it takes,
 * and recorded with its card (bot_cards) so a restarted bot carries on until the final state lands.
 */
export function createCardUpdater(deps: CardUpdaterDeps) {
  const { api, logger, gate } = deps;
  const instruments = deps.instruments ?? noopInstruments;
  const cardsTtlMs = deps.cardsTtlMs ?? 10_000;
  const maxKnownTasks = deps.maxKnownTasks ?? 1000;
  const ctx = { actor: UPDATER };
  const tracked = new Map<string, TrackedCard>();
  const byTask = new Map<string, { keys: Set<string>; loadedAt: number }>();
  /** The read of a task's cards in flight: a burst of events of one task shares one read. */
  const loading = new Map<string, Promise<void>>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  /** Cards whose next delivery waits on a timer of pushLater: the coalescer does not know them yet. */
  const waitingKeys = new Set<string>();
  let lastSweepAt = 0;
  let subscription: SseSubscription | null = null;
  let stopped = false;

  function remember(card: TrackedCard): void {
    const entry = byTask.get(card.taskId) ?? { keys: new Set<string>(), loadedAt: 0 };
    // One message, one key: a record of the message replaces a legacy origin key of it.
    for (const key of entry.keys) {
      const other = tracked.get(key);
      if (key === card.key || other?.activityId !== card.activityId) continue;
      if (!card.recordId) return;
      entry.keys.delete(key);
      tracked.delete(key);
    }
    const known = tracked.get(card.key);
    tracked.set(card.key, known ? { ...card, attempts: known.attempts } : card);
    entry.keys.add(card.key);
    byTask.set(card.taskId, entry);
  }

  /**
   * Every card of a task, read at most once per `cardsTtlMs`: a task's events come in bursts (queued,
   * started, each step), and without the shared read each of them listed the cards and read the
   * origin again (12 reads per task in bench:bot, the most frequent API calls of the whole runtime).
   */
  function loadCards(taskId: string): Promise<void> {
    const entry = byTask.get(taskId);
    if (entry && Date.now() - entry.loadedAt < cardsTtlMs) return Promise.resolve();
    let pending = loading.get(taskId);
    if (!pending) {
      pending = readCards(taskId).finally(() => loading.delete(taskId));
      loading.set(taskId, pending);
    }
    return pending;
  }

  /** Every card of a task: its bot_cards records plus a legacy origin no record covers. */
  async function readCards(taskId: string): Promise<void> {
    const [records, origin] = await Promise.all([
      api.listCards(ctx, { taskId }),
      api.getOrigin(ctx, taskId).catch(() => null),
    ]);
    const cards = records.items.map(trackedOf).filter((c): c is TrackedCard => c !== null);
    for (const card of cards) remember(card);
    if (origin?.cardActivityId && isConversationRef(origin.conversationRef)) {
      const activityId = origin.cardActivityId;
      if (!cards.some((c) => c.activityId === activityId)) {
        remember({
          key: `origin:${taskId}`,
          recordId: null,
          taskId,
          activityId,
          ref: origin.conversationRef,
          deliveredStatus: null,
          attempts: 0,
        });
      }
    }
    const loaded = byTask.get(taskId) ?? { keys: new Set<string>(), loadedAt: 0 };
    loaded.loadedAt = Date.now();
    byTask.set(taskId, loaded);
  }

  async function record(card: TrackedCard, patch: Parameters<ApiClient["updateCard"]>[2]): Promise<void> {
    if (!card.recordId) return;
    try {
      await api.updateCard(ctx, card.recordId, patch);
    } catch (error) {
      // The update itself is done or still retried in memory; only the restart safety net lags.
      logger.warn("could not record the card's delivery state", { taskId: card.taskId, error });
    }
  }

  async function deliver(key: string): Promise<DeliveryOutcome> {
    const card = tracked.get(key);
    if (!card) return { kind: "drop" };
    try {
      const task = await api.getTask(ctx, card.taskId);
      // The card just posted for a command may already show this: then no edit, no rate-limit slot.
      if (card.shownVersion !== taskVersion(task)) {
        const content = await deps.cards.build(task, { refreshUserIds: refreshUsersOf(card.ref) });
        // The limit spaces the calls themselves, not the reads before them.
        const sent = await gate.tryRun(card.ref.conversation.id, () =>
          // The update joins the task's trace: the last span of the front-door action.
          withSpan(
            "card.update",
            {
              parent: contextFromTraceparent(task.traceparent),
              attributes: { "cloudops.task.id": card.taskId, "cloudops.task.status": task.status },
            },
            () => deps.updateMessage(card.ref, { ...cardMessage(content), id: card.activityId }),
          ),
        );
        if (!sent.ran) return { kind: "later", delayMs: sent.waitMs };
        instruments.cardUpdates.add(1, { outcome: "sent" });
      }
      const final = isTerminal(task.status);
      if (card.deliveredStatus !== task.status || card.attempts > 0 || final) {
        await record(card, {
          deliveredStatus: task.status,
          settled: final,
          attempts: 0,
          nextAttemptAt: null,
          lastError: null,
        });
      }
      card.deliveredStatus = task.status;
      card.shownVersion = taskVersion(task);
      card.attempts = 0;
      logger.debug("card updated", { taskId: card.taskId, status: task.status });
      return { kind: "done" };
    } catch (error) {
      if (error instanceof ConnectorCallError) {
        instruments.cardUpdates.add(1, { outcome: error.status === 429 ? "throttled" : "failed" });
      }
      if (error instanceof ApiProblem && error.status === 404) return { kind: "drop" };
      if (error instanceof ConnectorCallError && error.status !== undefined && !RETRYABLE.has(error.status)) {
        logger.warn("card update refused by the Bot Connector; giving up on this card", {
          taskId: card.taskId,
          status: error.status,
        });
        await record(card, { settled: true, lastError: `Bot Connector answered ${error.status}` });
        return { kind: "drop" };
      }
      card.attempts += 1;
      const retryAfterMs =
        error instanceof ConnectorCallError || error instanceof ApiProblem ? error.retryAfterMs : undefined;
      const delayMs = Math.max(retryAfterMs ?? 0, backoffDelay(card.attempts, CARD_DELIVERY_BACKOFF));
      logger.warn("card update failed; will retry", {
        taskId: card.taskId,
        attempts: card.attempts,
        delayMs,
      });
      await record(card, {
        attempts: card.attempts,
        nextAttemptAt: new Date(Date.now() + delayMs).toISOString(),
        lastError: error instanceof Error ? error.message.slice(0, 500) : String(error).slice(0, 500),
      });
      // "later", not "failed": the final state must land however long Teams throttles (capped backoff).
      return { kind: "later", delayMs };
    }
  }

  const coalescer = createCoalescer({ minIntervalMs: deps.minIntervalMs ?? 1500, deliver });

  function pushLater(key: string, delayMs: number): void {
    if (delayMs <= 0) {
      coalescer.push(key);
      return;
    }
    waitingKeys.add(key);
    const timer = setTimeout(() => {
      timers.delete(timer);
      waitingKeys.delete(key);
      coalescer.push(key);
    }, delayMs);
    timers.add(timer);
  }

  /**
   * The updater follows every task's events, most of them tasks with no card at all (started from the
   * dashboard or the API), and kept an entry for each of them for the life of the process. Past
   * `maxKnownTasks`, at most once per `cardsTtlMs`, it forgets each task whose cards list is stale and
   * none of whose cards has an update waiting, scheduled or in flight. Nothing is lost: the cards
   * live in bot_cards (and the task's origin), and the task's next event reads them again.
   */
  function forgetQuiet(): void {
    const now = Date.now();
    if (byTask.size < maxKnownTasks || now - lastSweepAt < cardsTtlMs) return;
    lastSweepAt = now;
    for (const [taskId, entry] of byTask) {
      if (now - entry.loadedAt < cardsTtlMs || loading.has(taskId)) continue;
      const busy = [...entry.keys].some((key) => waitingKeys.has(key) || !coalescer.isIdle(key));
      if (busy) continue;
      for (const key of entry.keys) tracked.delete(key);
      byTask.delete(taskId);
    }
  }

  /**
   * A task's first event (seq 1) is its creation, and no card can show a task yet when it is created:
   * a card is posted only once its poster has the task's id, and the bot that posts one tracks it here
   * itself (`track`). So the new task counts as read, with no cards, for `cardsTtlMs`, instead of
   * listing its cards and reading its origin amid the burst of work that created it. bench:bot
   * (20 Teams commands at once): those two in-process API calls per command were 40 of the round's
   * calls before the last reply went out; without them the runtime's CPU per activity read 0.94x.
   */
  function onTaskCreated(taskId: string): void {
    const entry = byTask.get(taskId) ?? { keys: new Set<string>(), loadedAt: 0 };
    entry.loadedAt = Date.now();
    byTask.set(taskId, entry);
    for (const key of entry.keys) coalescer.push(key);
  }

  async function onTaskEvent(taskId: string): Promise<void> {
    forgetQuiet();
    try {
      await loadCards(taskId);
    } catch (error) {
      logger.warn("could not read the cards of a task; using the ones known", { taskId, error });
    }
    for (const key of byTask.get(taskId)?.keys ?? []) coalescer.push(key);
  }

  /** Picks up every update still owed from before a restart; retries until the API answers. */
  async function resumePending(): Promise<void> {
    for (let attempt = 1; !stopped; attempt++) {
      try {
        const pending = await api.listCards(ctx, { unsettled: "true" });
        for (const record of pending.items) {
          const card = trackedOf(record);
          if (!card) continue;
          remember(card);
          const due = record.nextAttemptAt ? Date.parse(record.nextAttemptAt) - Date.now() : 0;
          pushLater(card.key, Math.min(Math.max(0, due), CARD_DELIVERY_BACKOFF.maxDelayMs));
        }
        if (pending.items.length > 0) logger.info("resuming card updates", { cards: pending.items.length });
        return;
      } catch (error) {
        logger.warn("could not read pending card updates; retrying", { error, attempt });
        await new Promise((resolve) => pushTimer(resolve, backoffDelay(attempt, CARD_DELIVERY_BACKOFF)));
      }
    }
  }

  function pushTimer(resolve: (value: unknown) => void, ms: number): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve(undefined);
    }, ms);
    timers.add(timer);
  }

  return {
    /** Starts following task events and resumes pending updates; resolves at once. */
    start(): void {
      if (subscription) return;
      stopped = false;
      void resumePending();
      subscription = followEventStream({
        open: (lastEventId, signal) => api.openEventStream(ctx, lastEventId, signal),
        onMessage: (message) => {
          if (message.event === "message" || message.event === "ping") return;
          const event = eventOf(message.data);
          if (!event) return;
          if (event.seq === 1) onTaskCreated(event.taskId);
          else void onTaskEvent(event.taskId);
        },
        logger,
      });
    },
    /**
     * Keeps this card current from now on and updates it (for everyone) soon. A card just posted
     * (it knows the version it shows) counts as sent: its first update waits the interval like any
     * other, rather than reading the task again amid the burst of replies that posted it.
     */
    track(card: TrackedCard): void {
      remember(card);
      if (card.shownVersion) coalescer.sent(card.key);
      coalescer.push(card.key);
    },
    /** Tasks whose cards are kept in memory (bounded by forgetQuiet). */
    knownTasks(): number {
      return byTask.size;
    },
    /** True when no update of any card of the task is waiting, scheduled or being sent. */
    settled(taskId: string): boolean {
      return [...(byTask.get(taskId)?.keys ?? [])].every((key) => coalescer.isIdle(key));
    },
    async stop(): Promise<void> {
      stopped = true;
      coalescer.stop();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      waitingKeys.clear();
      await subscription?.close();
      subscription = null;
    },
  };
}

export type CardUpdater = ReturnType<typeof createCardUpdater>;

function eventOf(data: string): { taskId: string; seq: number | null } | undefined {
  try {
    const parsed = JSON.parse(data) as { taskId?: unknown; seq?: unknown };
    if (typeof parsed.taskId !== "string") return undefined;
    return { taskId: parsed.taskId, seq: typeof parsed.seq === "number" ? parsed.seq : null };
  } catch {
    return undefined;
  }
}
