import { buildErrorCard } from "../cards/error-card";
import type { CardJson } from "../cards/expand";
import { buildHelpCard } from "../cards/help-card";
import { buildTaskCard } from "../cards/task-card";
import type { Logger } from "../platform/logger";
import { cardMessage, commandText, conversationRefOf } from "./activity";
import { type ApiClient, ApiProblem, type CallContext } from "./api-client";
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
  logger: Logger;
  /** Told about every task whose card the bot posted or touched, so updates start at once. */
  onTaskCard(taskId: string): void;
}

const CARD_RESPONSE = "application/vnd.microsoft.card.adaptive";
const MEMBER_TTL_MS = 10 * 60_000;

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
    const cardActivityId = await turn.send(cardMessage(reply.card));
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
    if (!["retry", "cancel", "refresh"].includes(verb) || !taskId) {
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
        else await api.cancelTask({ actor, idempotencyKey: key }, taskId);
      } catch (error) {
        if (!(error instanceof ApiProblem) || error.status >= 500) return answer(problemCard(error));
        notice =
          error.status === 403
            ? `You can't ${verb} tasks: ${error.detail ?? error.title}`
            : (error.detail ?? error.title);
      }
    }
    let card: CardJson;
    try {
      const task = await api.getTask({ actor }, taskId);
      card = buildTaskCard(task, notice ? { publicUrl, notice } : { publicUrl });
    } catch (error) {
      return answer(problemCard(error));
    }
    // The invoke answer replaces the card for the person who clicked; everyone else gets the update.
    if (!notice && activity.replyToId) {
      await turn.update({ ...cardMessage(card), id: activity.replyToId }).catch((error: unknown) => {
        logger.warn("could not update the card for everyone", { taskId, error });
      });
    }
    if (mutating && !notice) deps.onTaskCard(taskId);
    return answer(card);
  }

  return async function handleTurn(turn: Turn): Promise<InvokeResult | undefined> {
    try {
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
