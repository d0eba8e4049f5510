import { buildErrorCard } from "../cards/error-card";
import type { CardJson } from "../cards/expand";
import type { BotCard } from "../contracts/bot-cards";
import type { Logger } from "../platform/logger";
import {
  cardMessage,
  commandText,
  conversationRefOf,
  type IncomingActivity,
  isConversationRef,
  refreshUsersOf,
  withRefreshUser,
} from "./activity";
import type { ApiClient, CallContext } from "./api-client";
import { type ActionOutcome, invokeAction, performAction, submitAction } from "./card-actions";
import { parseCommand } from "./commands/parse";
import { runCommand } from "./commands/run-command";
import { type Actor, actorOf, type RoleConfig } from "./identity";
import { problemCard, usageOf } from "./replies";
import type { InvokeResult, MemberInfo, Turn } from "./seam/botframework";
import { stage } from "./stage-span";
import type { TaskCards } from "./task-cards";
import { type TrackedCard, trackedOf } from "./updater/card-updater";
import { isBotArrival, welcome } from "./welcome";

export interface TurnDeps {
  api: ApiClient;
  publicUrl: string;
  roles: RoleConfig;
  /** Tenant ids served (lower case); empty serves any tenant. */
  allowedTenants?: readonly string[];
  logger: Logger;
  cards: TaskCards;
  /** Keeps a posted task card current from now on (the card updater), updating it for everyone soon. */
  trackCard(card: TrackedCard): void;
  /** How long a roster lookup may hold a turn before the activity's own ids decide (default 700 ms). */
  memberLookupMs?: number;
}

const CARD_RESPONSE = "application/vnd.microsoft.card.adaptive";
const MEMBER_TTL_MS = 10 * 60_000;
/** A claim this old without a posted message belongs to a delivery that died: take it over. */
const STALE_CLAIM_MS = 60_000;
const BOT_ACTOR: Actor = { id: "cloudops-bot", name: "CloudOps bot", role: "viewer" };
const OTHER_TENANT =
  "This CloudOps bot serves another organisation, so it did nothing. Ask your own platform team for their CloudOps.";

/** The Entra tenant an activity comes from (Teams sets both places; the conversation's wins). */
export function tenantOf(activity: IncomingActivity): string | undefined {
  const fromChannel = (activity.channelData?.tenant as { id?: unknown } | undefined)?.id;
  const id = activity.conversation.tenantId ?? (typeof fromChannel === "string" ? fromChannel : undefined);
  return id?.toLowerCase();
}

/** Handles one activity: commands, card actions (invoke or legacy submit), install welcomes. Never throws. */
export function createTurnHandler(deps: TurnDeps) {
  const { api, publicUrl, logger } = deps;
  const bot: CallContext = { actor: BOT_ACTOR };
  // The roster lookup costs a connector call; a person's email and UPN do not change by the minute.
  const members = new Map<string, { info: MemberInfo | null; at: number }>();
  const lookups = new Map<string, Promise<MemberInfo | null>>();

  /**
   * The actor behind an activity. The roster lookup is a connector call, which the SDK retries
   * through 429s for many seconds: a turn waits for it at most `memberLookupMs`, then decides with
   * what it knows (an earlier lookup, else the Entra object id); the lookup finishes in the background.
   */
  async function actorFor(turn: Turn): Promise<Actor> {
    const userId = turn.activity.from.id;
    const cached = members.get(userId);
    if (cached && Date.now() - cached.at <= MEMBER_TTL_MS)
      return actorOf(turn.activity, cached.info, deps.roles);
    let lookup = lookups.get(userId);
    if (!lookup) {
      lookup = turn
        .member(userId)
        .catch(() => null)
        .then((info) => {
          lookups.delete(userId);
          if (members.size > 5000) members.clear();
          // A failed lookup is remembered briefly only, so a throttled roster is asked again soon.
          members.set(userId, { info, at: info ? Date.now() : Date.now() - MEMBER_TTL_MS + 30_000 });
          return info;
        });
      lookups.set(userId, lookup);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<MemberInfo | null>((resolve) => {
      timer = setTimeout(() => resolve(cached?.info ?? null), deps.memberLookupMs ?? 700);
    });
    const info = await Promise.race([lookup, late]);
    clearTimeout(timer);
    return actorOf(turn.activity, info, deps.roles);
  }

  /**
   * Claims the right to answer this activity. Teams redelivers a message it thinks went unanswered
   * (same id): the redelivery posts nothing, it only brings the card already posted up to date.
   */
  async function claim(activity: IncomingActivity): Promise<{ go: boolean; recordId: string | null }> {
    if (!activity.id) return { go: true, recordId: null };
    try {
      const { card, created } = await api.claimCard(bot, {
        conversationId: activity.conversation.id,
        sourceKey: activity.id,
        conversationRef: { ...conversationRefOf(activity) },
      });
      if (created) return { go: true, recordId: card.id };
      if (card.activityId) {
        const tracked = trackedOf(card);
        if (tracked) deps.trackCard(tracked);
        logger.info("redelivered activity: answered before, nothing posted", { activityId: activity.id });
        return { go: false, recordId: null };
      }
      if (Date.now() - Date.parse(card.createdAt) < STALE_CLAIM_MS) {
        logger.info("redelivered activity: the first delivery is still being answered", {
          activityId: activity.id,
        });
        return { go: false, recordId: null };
      }
      return { go: true, recordId: card.id };
    } catch (error) {
      // Answering twice beats never answering: without the API's record, go ahead.
      logger.warn("could not claim the activity; answering without redelivery protection", { error });
      return { go: true, recordId: null };
    }
  }

  /** Posts a reply card; a task card is recorded and kept current from then on. */
  async function post(
    turn: Turn,
    card: CardJson,
    recordId: string | null,
    taskId: string | undefined,
    shown?: { version?: string; status?: string },
  ): Promise<void> {
    const activity = turn.activity;
    const activityId = await turn.send(cardMessage(card));
    if (!activityId) return;
    const shownVersion = shown?.version;
    try {
      let record: BotCard | null = null;
      if (recordId) {
        // The status the posted card shows is delivered: the updater records it in no second write.
        const delivered = taskId && shown?.status ? { deliveredStatus: shown.status } : {};
        record = await api.updateCard(bot, recordId, {
          activityId,
          ...(taskId ? { taskId } : {}),
          ...delivered,
        });
      } else if (taskId) {
        record = await api.registerCard(bot, {
          conversationId: activity.conversation.id,
          activityId,
          taskId,
          conversationRef: { ...conversationRefOf(activity) },
        });
      }
      const tracked = record && taskId ? trackedOf(record) : null;
      // Tracked at once: an event that came while the card was being posted is not lost; an
      // unchanged task is not sent again (shownVersion).
      if (tracked) deps.trackCard(shownVersion ? { ...tracked, shownVersion } : tracked);
    } catch (error) {
      // The card was posted; only its live updates are lost. Say so in the log, not to the user.
      logger.error("could not record the posted card; it will not update", { taskId, error });
    }
  }

  async function onMessage(turn: Turn): Promise<void> {
    const activity = turn.activity;
    const text = commandText(activity);
    const submitted = submitAction(activity, text);
    // The roster lookup is a read: it runs beside the claim rather than after it.
    const [claimed, actor] = await Promise.all([
      stage("bot.claim", () => claim(activity)),
      stage("bot.actor", () => actorFor(turn)),
    ]);
    if (!claimed.go) return;
    if (submitted) {
      await onSubmit(turn, await pressFor(turn, actor, submitted), claimed.recordId);
      return;
    }
    const parsed = parseCommand(text);
    if (!parsed.ok) {
      const { title, detail, hint, command } = parsed.error;
      const card = buildErrorCard({ title, detail, hint, ...usageOf(command) });
      await post(turn, card, claimed.recordId, undefined);
      return;
    }
    // The activity id also makes the task once, should the claim above be unavailable.
    const ctx: CallContext = {
      actor,
      idempotencyKey: activity.id ? `teams:${activity.id}` : undefined,
      correlationId: activity.id,
    };
    // Only the requester's client refreshes a new task card; people who act on it join later.
    const reply = await stage("bot.command", () =>
      runCommand(parsed.command, ctx, {
        api,
        publicUrl,
        cards: deps.cards,
        refreshUserIds: [activity.from.id],
      }),
    );
    await post(turn, reply.card, claimed.recordId, reply.taskId, {
      version: reply.shownVersion,
      status: reply.shownStatus,
    });
  }

  /** The record of the card a press came from (its message id is the press's replyToId), if any. */
  async function pressedCard(activity: IncomingActivity, taskId: string) {
    const messageId = activity.replyToId;
    if (!messageId || !taskId) return null;
    const records = await api.listCards(bot, { taskId }).catch(() => ({ items: [] as BotCard[] }));
    const record = records.items.find((r) => r.activityId === messageId) ?? null;
    // A card posted before bot_cards existed is known only as the task's origin: read it only then.
    const origin = record ? null : await api.getOrigin(bot, taskId).catch(() => null);
    const stored =
      record?.conversationRef ?? (origin?.cardActivityId === messageId ? origin.conversationRef : null);
    return { record, ref: isConversationRef(stored) ? stored : null };
  }

  /**
   * Performs a press. The answer card keeps the pressed card's auto-refresh users (a viewer who only
   * refreshes never joins); a press that changed the task records the card, adds the presser to
   * its refresh users, and returns it to be updated for everyone.
   */
  async function pressFor(turn: Turn, actor: Actor, action: Parameters<typeof performAction>[0]) {
    const activity = turn.activity;
    // Read beside the action itself: only the answer card needs it.
    const reading = pressedCard(activity, action.taskId).then((pressed) => {
      const ref = pressed?.ref ?? null;
      return {
        record: pressed?.record ?? null,
        ref,
        joined: ref ? withRefreshUser(ref, activity.from.id) : conversationRefOf(activity),
      };
    });
    const outcome = await performAction(action, actor, activity, {
      api,
      publicUrl,
      cards: deps.cards,
      refreshUserIds: async (acted) => {
        const { ref, joined } = await reading;
        return acted ? refreshUsersOf(joined) : ref ? refreshUsersOf(ref) : [activity.from.id];
      },
    });
    const { joined, record: pressed } = await reading;
    if (!outcome.acted || !outcome.taskId || !activity.replyToId) return { outcome, tracked: null };
    // The card is already a record of this task owed updates, with the presser among its refresh
    // users: registering it again would change nothing (it saves a write on most presses).
    const current =
      pressed && pressed.taskId === outcome.taskId && !pressed.settled ? trackedOf(pressed) : null;
    if (current && refreshUsersOf(current.ref).join() === refreshUsersOf(joined).join())
      return { outcome, tracked: current };
    try {
      let record = await api.registerCard(bot, {
        conversationId: activity.conversation.id,
        activityId: activity.replyToId,
        taskId: outcome.taskId,
        conversationRef: { ...joined },
      });
      const stored = isConversationRef(record.conversationRef) ? record.conversationRef : null;
      if (!stored || refreshUsersOf(stored).join() !== refreshUsersOf(joined).join()) {
        record = await api.updateCard(bot, record.id, { conversationRef: { ...joined } });
      }
      return { outcome, tracked: trackedOf(record) };
    } catch (error) {
      logger.warn("could not record the pressed card; it will not update for everyone", { error });
      return { outcome, tracked: null };
    }
  }

  /** A legacy Action.Submit press: the card updates in place; a refusal or other answer is a reply. */
  async function onSubmit(
    turn: Turn,
    press: { outcome: ActionOutcome; tracked: TrackedCard | null },
    recordId: string | null,
  ): Promise<void> {
    if (press.tracked) {
      deps.trackCard(press.tracked);
      return;
    }
    const { outcome } = press;
    // Nothing to update in place (a refusal, help, or a card we cannot address): answer in the thread.
    await post(turn, outcome.card, recordId, outcome.acted ? outcome.taskId : undefined);
  }

  /**
   * An Action.Execute press. The answer (the new card for the presser) goes back at once; the
   * update for everyone else is the card updater's, sent afterwards within the conversation's rate
   * limit, so a throttled connector never holds the answer past Teams' invoke deadline.
   */
  async function onCardAction(turn: Turn): Promise<InvokeResult> {
    const actor = await stage("bot.actor", () => actorFor(turn));
    const { outcome, tracked } = await stage("bot.press", () =>
      pressFor(turn, actor, invokeAction(turn.activity)),
    );
    if (tracked) deps.trackCard(tracked);
    return { status: 200, body: { statusCode: 200, type: CARD_RESPONSE, value: outcome.card } };
  }

  return async function handleTurn(turn: Turn): Promise<InvokeResult | undefined> {
    try {
      const allowed = deps.allowedTenants ?? [];
      const tenant = tenantOf(turn.activity);
      if (allowed.length > 0 && (!tenant || !allowed.includes(tenant))) {
        logger.warn("activity from a tenant this bot does not serve refused", {
          tenant,
          type: turn.activity.type,
        });
        if (turn.activity.type === "message") await turn.send({ type: "message", text: OTHER_TENANT });
        if (turn.activity.type !== "invoke") return undefined;
        return {
          status: 200,
          body: {
            statusCode: 403,
            type: "application/vnd.microsoft.error",
            value: { code: "tenant_not_allowed", message: OTHER_TENANT },
          },
        };
      }
      if (turn.activity.type === "message") {
        await onMessage(turn);
        return undefined;
      }
      if (turn.activity.type === "invoke" && turn.activity.name === "adaptiveCard/action")
        return await onCardAction(turn);
      if (turn.activity.type === "invoke") return { status: 200, body: {} };
      if (isBotArrival(turn.activity)) await welcome(turn, { api, publicUrl, logger });
      return undefined;
    } catch (error) {
      logger.error("bot turn failed", { error, type: turn.activity.type });
      if (turn.activity.type === "invoke") {
        return { status: 200, body: { statusCode: 200, type: CARD_RESPONSE, value: problemCard(error) } };
      }
      if (turn.activity.type === "message")
        await turn.send(cardMessage(problemCard(error))).catch(() => undefined);
      return undefined;
    }
  };
}
