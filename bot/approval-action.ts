import type { ApiClient, ApiProblem, CallContext } from "./api-client";

export type DecisionVerb = "approve" | "reject";

export function isDecisionVerb(verb: string): verb is DecisionVerb {
  return verb === "approve" || verb === "reject";
}

/**
 * Approve or Reject clicked on a task card: the card's data carries the plan checksum it showed
 * (an approval of a plan the person never saw is refused as plan_changed) and the optional comment
 * typed into the card.
 */
export async function decideFromCard(
  api: ApiClient,
  ctx: CallContext,
  verb: DecisionVerb,
  taskId: string,
  data: Record<string, unknown>,
): Promise<void> {
  const comment =
    typeof data.comment === "string" && data.comment.trim() ? data.comment.trim().slice(0, 500) : undefined;
  if (verb === "reject") {
    await api.rejectTask(ctx, taskId, comment ? { comment } : {});
    return;
  }
  const planSha256 =
    typeof data.planSha256 === "string" && /^[0-9a-f]{64}$/.test(data.planSha256)
      ? data.planSha256
      : undefined;
  await api.approveTask(ctx, taskId, {
    ...(planSha256 ? { planSha256 } : {}),
    ...(comment ? { comment } : {}),
  });
}

/** What the card says when the API refused a decision: the reason and what to do instead. */
export function decisionRefusal(verb: DecisionVerb, error: ApiProblem): string {
  if (error.code === "forbidden") {
    return `You can't ${verb} tasks: ${error.detail ?? error.title}. Ask a CloudOps admin for the operator role.`;
  }
  const reason = error.detail ?? error.title;
  return error.hint ? `${reason}. ${error.hint}.` : reason;
}
