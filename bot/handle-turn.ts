import { buildErrorCard } from "../cards/error-card";
import type { CardJson } from "../cards/expand";
import { buildHelpCard } from "../cards/help-card";
import { buildTaskCard, setRefreshUsers } from "../cards/task-card";
import type { Logger } from "../platform/logger";
import {
  type ConversationRef,
  cardMessage,
  commandText,
  conversationRefOf,
  type IncomingActivity,
  isConversationRef,
  refreshUsersOf,
  withRefreshUser,
} from "./activity";
import { type ApiClient, ApiProblem, type CallContext } from "./api-client";
import { decideFromCard, decisionRefusal, isDecisionVerb } from "./approval-action";
import { COMMANDS } from "./commands/catalog";
import { parseCommand } from "./commands/parse";
import { runCommand } from "./commands/run-command";
import { type Actor, actorOf, type RoleConfig } from "./identity";
import { problemCard, usageOf } from "./replies";
import type { InvokeResult, MemberInfo, Turn } from "./seam/botframework";

export interface TurnDeps {
  api: ApiClient;
  publicUrl: string;
  roles: RoleConfig;
  /** Tenant ids served (lower case); empty serves any tenant. */
  allowedTenants?: readonly string[];
  logger: Logger;
  /** Told about every task whose card the bot posted or touched, so updates start at once. */
  onTaskCard(taskId: string): void;
}

const CARD_RESPONSE = "application/vnd.microsoft.card.adaptive";
const MEMBER_TTL_MS = 10 * 60_000;
const OTHER_TENANT =
  "This CloudOps bot serves another organisation, so it did nothing. Ask your own platform team for their CloudOps.";

/** The Entra tenant an activity comes from (Teams sets both places; the conversation's wins). */
export function tenantOf(activity: IncomingActivity): string | undefined {
  const fromChannel = (activity.channelData?.tenant as { id?: unknown } | undefined)?.id;
  const id = activity.conversation.tenantId ?? (typeof fromChannel === "string" ? fromChannel : undefined);
  return id?.toLowerCase();
}

/** Handles one activity: commands in messages, Action.Execute invokes from cards. Never throws. */
export function createTurnHandler(deps: TurnDeps) {
  const { api, publicUrl, logger } = deps;
  // The roster lookup costs a connector call; a person's email and UPN do not change by the minute.
  const members = new Map<string, { info: MemberInfo | null; at: number }>();

  async function actorFor(turn: Turn): Promise<Actor> {
    const userId = turn.activity.from.id;
    let cached = members.get(userId);
    if (!cached || Date.now() - cached.at > MEMBER_TTL_MS) {
      cached = { info: await turn.member(userId), at: Date.now() };
      if (members.size > 5000) members.clear();
      members.set(userId, cached);
    }
    return actorOf(turn.activity, cached.info, deps.roles);
  }

  async function onMessage(turn: Turn): Promise<void> {
    const activity = turn.activity;
    const parsed = parseCommand(commandText(activity));
    const actor = await actorFor(turn);
    if (!parsed.ok) {
      const { title, detail, hint, command } = parsed.error;
      await turn.send(cardMessage(buildErrorCard({ title, detail, hint, ...usageOf(command) })));
      return;
    }
    // Teams redelivers a message it thinks went unanswered: the activity id makes the task once.
    const ctx: CallContext = { actor, idempotencyKey: activity.id ? `teams:${activity.id}` : undefined };
    const reply = await runCommand(parsed.command, ctx, { api, publicUrl });
    // Only the requester's client refreshes a new task card; people who act on it join later.
    const card = reply.taskId ? setRefreshUsers(reply.card, [activity.from.id]) : reply.card;
    const cardActivityId = await turn.send(cardMessage(card));
    if (reply.startedTask && reply.taskId && cardActivityId) {
      try {
        await api.setOrigin({ actor }, reply.taskId, conversationRefOf(activity), cardActivityId);
      } catch (error) {
        // The card was posted; only its live updates are lost. Say so in the log, not to the user.
        logger.error("could not store the card's origin; the card will not update", {
          taskId: reply.taskId,
          error,
        });
        return;
      }
      deps.onTaskCard(reply.taskId);
    }
  }

  async function onCardAction(turn: Turn): Promise<InvokeResult> {
    const activity = turn.activity;
    const value = (activity.value ?? {}) as { action?: { verb?: unknown; data?: unknown } };
    const verb = typeof value.action?.verb === "string" ? value.action.verb : "";
    const data = (value.action?.data ?? {}) as Record<string, unknown>;
    const taskId = typeof data.taskId === "string" ? data.taskId : "";
    const answer = (card: CardJson): InvokeResult => ({
      status: 200,
      body: { statusCode: 200, type: CARD_RESPONSE, value: card },
    });

    if (verb === "help") {
      return answer(buildHelpCard(Object.values(COMMANDS), { publicUrl }));
    }
    if (!["retry", "cancel", "refresh", "approve", "reject"].includes(verb) || !taskId) {
      return answer(
        buildErrorCard({
          title: "This button is not one CloudOps knows",
          hint: "Type help to see every command.",
        }),
      );
    }
    const actor = await actorFor(turn);
    const mutating = verb !== "refresh";
    let notice: string | undefined;
    if (mutating && actor.role === "viewer") {
      notice = `You can't ${verb} tasks: your role is viewer. Ask a CloudOps admin for the operator role.`;
    } else if (mutating) {
      // A redelivered invoke carries the same id: the API performs the action once.
      const key = activity.id
        ? `teams:${activity.id}`
        : `teams:${activity.replyToId ?? ""}:${verb}:${taskId}`;
      try {
        if (verb === "retry") await api.retryTask({ actor, idempotencyKey: key }, taskId);
        else if (isDecisionVerb(verb))
          await decideFromCard(api, { actor, idempotencyKey: key }, verb, taskId, data);
        else await api.cancelTask({ actor, idempotencyKey: key }, taskId);
      } catch (error) {
        if (!(error instanceof ApiProblem) || error.status >= 500) return answer(problemCard(error));
        notice = isDecisionVerb(verb)
          ? decisionRefusal(verb, error)
          : error.status === 403
            ? `You can't ${verb} tasks: ${error.detail ?? error.title}`
            : (error.detail ?? error.title);
      }
    }
    const acted = mutating && !notice;
    let card: CardJson;
    try {
      const task = await api.getTask({ actor }, taskId);
      const refreshUserIds = await refreshUsersFor(actor, taskId, acted ? activity.from.id : undefined);
      card = buildTaskCard(task, { publicUrl, refreshUserIds, ...(notice ? { notice } : {}) });
    } catch (error) {
      return answer(problemCard(error));
    }
    // The invoke answer replaces the card for the person who clicked. Only an action that changed the
    // task updates it for everyone: a refresh is one viewer's, and an edit would make every
    // auto-refresh client invoke refresh again (20 viewers, 20 PUTs; a finished card, a loop).
    if (acted && activity.replyToId) {
      await turn.update({ ...cardMessage(card), id: activity.replyToId }).catch((error: unknown) => {
        logger.warn("could not update the card for everyone", { taskId, error });
      });
    }
    if (acted) deps.onTaskCard(taskId);
    return answer(card);
  }

  /**
   * The card's auto-refresh users from its stored origin, with `joining` (someone who just acted on
   * it) added and stored so later updates carry them too. A card without an origin refreshes for the
   * person looking at it only.
   */
  async function refreshUsersFor(actor: Actor, taskId: string, joining: string | undefined) {
    const invoker = joining ? [joining] : [];
    let ref: ConversationRef | null = null;
    let cardActivityId: string | null = null;
    try {
      const origin = await api.getOrigin({ actor }, taskId);
      if (isConversationRef(origin.conversationRef)) {
        ref = origin.conversationRef;
        cardActivityId = origin.cardActivityId;
      }
    } catch {
      return invoker;
    }
    if (!ref || !cardActivityId) return invoker;
    if (!joining || refreshUsersOf(ref).includes(joining)) return refreshUsersOf(ref);
    const next = withRefreshUser(ref, joining);
    await api.setOrigin({ actor }, taskId, next, cardActivityId).catch((error: unknown) => {
      logger.warn("could not add the user to the card's auto-refresh list", { taskId, error });
    });
    return refreshUsersOf(next);
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
      return undefined;
    } catch (error) {
      logger.error("bot turn failed", { error, type: turn.activity.type });
      if (turn.activity.type === "invoke") {
        return { status: 200, body: { statusCode: 200, type: CARD_RESPONSE, value: problemCard(error) } };
      }
      await turn.send(cardMessage(problemCard(error))).catch(() => undefined);
      return undefined;
    }
  };
}
