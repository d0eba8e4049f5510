import { buildErrorCard } from "../cards/error-card";
import type { CardJson } from "../cards/expand";
import { FALLBACK_VERB_FIELD } from "../cards/fallback";
import { buildHelpCard } from "../cards/help-card";
import type { IncomingActivity } from "./activity";
import { type ApiClient, ApiProblem } from "./api-client";
import { decideFromCard, decisionRefusal, isDecisionVerb } from "./approval-action";
import { COMMANDS } from "./commands/catalog";
import type { Actor } from "./identity";
import { problemCard } from "./replies";
import type { TaskCards } from "./task-cards";

/** A button press: from an Action.Execute invoke, or from its Action.Submit fallback (a message). */
export interface CardAction {
  verb: string;
  taskId: string;
  /** The button's data and the card's inputs (an approval's plan checksum and comment). */
  data: Record<string, unknown>;
}

/** What a press came to: the card to show, and whether it changed the task (then everyone sees it). */
export interface ActionOutcome {
  card: CardJson;
  taskId?: string;
  acted: boolean;
  /** Set when the press changed nothing, e.g. a viewer's Cancel; shown on the card. */
  notice?: string;
}

const TASK_VERBS = new Set(["retry", "cancel", "refresh", "approve", "reject"]);

/** The action of an Action.Execute invoke (`value.action.{verb,data}`). */
export function invokeAction(activity: IncomingActivity): CardAction {
  const value = (activity.value ?? {}) as { action?: { verb?: unknown; data?: unknown } };
  const data = (value.action?.data ?? {}) as Record<string, unknown>;
  return {
    verb: typeof value.action?.verb === "string" ? value.action.verb : "",
    taskId: typeof data.taskId === "string" ? data.taskId : "",
    data,
  };
}

/**
 * The action of a legacy client's Action.Submit fallback: a message with no text whose `value` is
 * the button's data plus its verb. Null for any other message.
 */
export function submitAction(activity: IncomingActivity, text: string): CardAction | null {
  if (text !== "" || !activity.value || typeof activity.value !== "object") return null;
  const value = activity.value as Record<string, unknown>;
  const verb = value[FALLBACK_VERB_FIELD];
  if (typeof verb !== "string") return null;
  return { verb, taskId: typeof value.taskId === "string" ? value.taskId : "", data: value };
}

/** Performs a press for `actor` through the API and shapes the card that answers it. Never throws. */
export async function performAction(
  action: CardAction,
  actor: Actor,
  activity: IncomingActivity,
  deps: {
    api: ApiClient;
    publicUrl: string;
    cards: TaskCards;
    /** The card's auto-refresh users; `acted` true adds whoever pressed. */
    refreshUserIds(acted: boolean): Promise<readonly string[]>;
  },
): Promise<ActionOutcome> {
  const { verb, taskId } = action;
  if (verb === "help") {
    return { card: buildHelpCard(Object.values(COMMANDS), { publicUrl: deps.publicUrl }), acted: false };
  }
  if (!TASK_VERBS.has(verb) || !taskId) {
    const card = buildErrorCard({
      title: "This button is not one CloudOps knows",
      hint: "Type help to see every command.",
    });
    return { card, acted: false };
  }
  const mutating = verb !== "refresh";
  let notice: string | undefined;
  if (mutating && actor.role === "viewer") {
    notice = `You can't ${verb} tasks: your role is viewer. Ask a CloudOps admin for the operator role.`;
  } else if (mutating) {
    // A redelivered press carries the same activity id: the API performs the action once.
    const key = activity.id ? `teams:${activity.id}` : `teams:${activity.replyToId ?? ""}:${verb}:${taskId}`;
    try {
      if (verb === "retry") await deps.api.retryTask({ actor, idempotencyKey: key }, taskId);
      else if (isDecisionVerb(verb))
        await decideFromCard(deps.api, { actor, idempotencyKey: key }, verb, taskId, action.data);
      else await deps.api.cancelTask({ actor, idempotencyKey: key }, taskId);
    } catch (error) {
      if (!(error instanceof ApiProblem) || error.status >= 500)
        return { card: problemCard(error), acted: false };
      notice = isDecisionVerb(verb)
        ? decisionRefusal(verb, error)
        : error.status === 403
          ? `You can't ${verb} tasks: ${error.detail ?? error.title}`
          : (error.detail ?? error.title);
    }
  }
  try {
    const task = await deps.api.getTask({ actor }, taskId);
    const acted = mutating && !notice;
    const card = await deps.cards.build(task, {
      refreshUserIds: await deps.refreshUserIds(acted),
      ...(notice ? { notice } : {}),
    });
    return { card, taskId, acted, ...(notice ? { notice } : {}) };
  } catch (error) {
    return { card: problemCard(error), acted: false };
  }
}
