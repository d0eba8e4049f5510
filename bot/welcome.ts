import { buildHelpCard } from "../cards/help-card";
import type { Logger } from "../platform/logger";
import { cardMessage, conversationRefOf, type IncomingActivity } from "./activity";
import { type ApiClient, ApiProblem } from "./api-client";
import { COMMANDS } from "./commands/catalog";
import type { Actor } from "./identity";
import type { Turn } from "./seam/botframework";

const BOT_ACTOR: Actor = { id: "cloudops-bot", name: "CloudOps bot", role: "viewer" };
/** The claim key of the welcome: one per conversation, whichever install event comes first. */
export const WELCOME_KEY = "welcome";

/**
 * True for the events Teams sends when the bot joins a conversation: `conversationUpdate` with the
 * bot among `membersAdded` (a team, a group chat, or a personal install) and `installationUpdate`
 * with action `add`. Both usually arrive for one install, hence the once-per-conversation claim.
 */
export function isBotArrival(activity: IncomingActivity): boolean {
  if (activity.type === "installationUpdate") {
    const action = (activity as { action?: unknown }).action;
    return typeof action === "string" && action.toLowerCase().startsWith("add");
  }
  if (activity.type !== "conversationUpdate") return false;
  const added = (activity as { membersAdded?: unknown }).membersAdded;
  return Array.isArray(added) && added.some((m) => (m as { id?: unknown })?.id === activity.recipient.id);
}

/** Posts the welcome (the help card with a greeting) unless this conversation already had it. */
export async function welcome(
  turn: Turn,
  deps: { api: ApiClient; publicUrl: string; logger: Logger },
): Promise<void> {
  const activity = turn.activity;
  const ctx = { actor: BOT_ACTOR };
  let recordId: string | null = null;
  try {
    const claim = await deps.api.claimCard(ctx, {
      conversationId: activity.conversation.id,
      sourceKey: WELCOME_KEY,
      conversationRef: { ...conversationRefOf(activity) },
    });
    if (!claim.created) return;
    recordId = claim.card.id;
  } catch (error) {
    // Without the API there is no memory of earlier welcomes: stay quiet rather than risk repeating.
    deps.logger.warn("welcome skipped: could not check whether this conversation had one", {
      error: error instanceof ApiProblem ? error.code : String(error),
    });
    return;
  }
  const card = buildHelpCard(
    Object.values(COMMANDS).map(({ usage, description, example }) => ({ usage, description, example })),
    {
      publicUrl: deps.publicUrl,
      title: "Welcome to CloudOps",
      intro:
        "I restart workloads, deploy, back up and restore databases and create sandboxes, and keep each task's card up to date here.",
    },
  );
  const activityId = await turn.send(cardMessage(card));
  if (activityId && recordId) {
    await deps.api.updateCard(ctx, recordId, { activityId }).catch((error: unknown) => {
      deps.logger.warn("could not record the welcome message", { error });
    });
  }
}
