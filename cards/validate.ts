import { createRequire } from "node:module";
import type * as AdaptiveCards from "adaptivecards";
import type { CardJson } from "./expand";

// The library's package entry expects a DOM; its UMD bundle parses and validates without one.
const AC = createRequire(import.meta.url)("adaptivecards/dist/adaptivecards.js") as typeof AdaptiveCards;

/**
 * Everything the adaptivecards library objects to in `card`: parse warnings (unknown element or
 * action types, bad values), validation failures, and properties it dropped because it does not
 * know them (a typo such as `colour` would otherwise pass silently). Empty means valid.
 */
export function cardProblems(card: CardJson): string[] {
  const problems: string[] = [];
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  parsed.parse(card, context);
  for (let i = 0; i < context.eventCount; i++) {
    const event = context.getEventAt(i);
    problems.push(`parse: ${event.message}`);
  }
  for (const event of parsed.validateProperties().validationEvents) {
    problems.push(`validate: ${event.message}`);
  }
  if (card.version !== "1.5") problems.push(`version: ${String(card.version)} (Teams renders 1.5)`);
  collectDropped(card, parsed.toJSON() as unknown, "card", problems);
  checkFallbacks(card, "card", problems);
  return problems;
}

/**
 * The library reads a `fallback` only in place of an element or action type it does not know, so a
 * known action's fallback never comes back from toJSON. Each fallback action is checked on its own,
 * as the single action of a card, which is how a client without the primary type reads it.
 */
function checkFallbacks(node: unknown, path: string, problems: string[]): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => {
      checkFallbacks(item, `${path}[${i}]`, problems);
    });
    return;
  }
  if (!node || typeof node !== "object") return;
  for (const [key, value] of Object.entries(node)) {
    if (key === "fallback" && value && typeof value === "object") {
      const alone = { type: "AdaptiveCard", version: "1.5", body: [], actions: [value] };
      for (const problem of cardProblems(alone)) problems.push(`${path}.fallback: ${problem}`);
    } else checkFallbacks(value, `${path}.${key}`, problems);
  }
}

function collectDropped(input: unknown, output: unknown, path: string, problems: string[]): void {
  if (Array.isArray(input)) {
    const out = Array.isArray(output) ? output : [];
    if (out.length !== input.length)
      problems.push(`dropped: ${path} has ${input.length} items, parsed ${out.length}`);
    input.forEach((item, i) => {
      collectDropped(item, out[i], `${path}[${i}]`, problems);
    });
    return;
  }
  if (input === null || typeof input !== "object") return;
  const out = output !== null && typeof output === "object" ? (output as Record<string, unknown>) : {};
  for (const [key, value] of Object.entries(input)) {
    // `data` is free-form action payload; the library keeps it as is. `fallback` is checked apart.
    if (key === "data" || key === "fallback") continue;
    // The library omits empty collections when it writes a card back; nothing was lost.
    if (!(key in out) && !(Array.isArray(value) && value.length === 0)) {
      problems.push(`dropped: ${path}.${key}`);
      continue;
    }
    collectDropped(value, out[key], `${path}.${key}`, problems);
  }
}
