import type { CardJson } from "./expand";

/** The data field that carries an Action.Execute verb through its Action.Submit fallback. */
export const FALLBACK_VERB_FIELD = "verb";

/**
 * The card with an `Action.Submit` fallback on every `Action.Execute` (card actions and select
 * actions, at any depth). Clients without Universal Actions (Teams before card schema 1.4, some
 * mobile and Outlook hosts) render the fallback; its click arrives as a message whose `value` is the
 * data plus the verb, which the bot handles as the same action.
 */
export function withSubmitFallbacks(card: CardJson): CardJson {
  return visit(card) as CardJson;
}

function visit(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(visit);
  if (!node || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    // The refresh action is Universal Actions only: a legacy client ignores `refresh` as a whole.
    out[key] = key === "refresh" ? value : visit(value);
  }
  if (out.type === "Action.Execute" && out.fallback === undefined && typeof out.verb === "string") {
    const data = out.data && typeof out.data === "object" ? (out.data as Record<string, unknown>) : {};
    const submit: Record<string, unknown> = {
      type: "Action.Submit",
      data: { ...data, [FALLBACK_VERB_FIELD]: out.verb },
    };
    if (typeof out.title === "string") submit.title = out.title;
    if (typeof out.style === "string") submit.style = out.style;
    out.fallback = submit;
  }
  return out;
}
