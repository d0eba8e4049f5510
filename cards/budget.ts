import { type CardJson, cardBytes } from "./expand";

/** The most a bot card may weigh in UTF-8 bytes (Teams allows ~80 KB per message; we keep half). */
export const BOT_CARD_MAX_BYTES = 40 * 1024;
/** The most a webhook (Workflows) card may weigh: Teams refuses webhook posts over 28 KB. */
export const WEBHOOK_CARD_MAX_BYTES = 28 * 1024;

/**
 * The first card of `builds` (richest first) whose UTF-8 JSON fits in `maxBytes`; the last build is
 * the leanest and is returned even when nothing fits. Each level cuts logs and lists further, and the
 * builder says on the card what it left out ("more on the dashboard"). Budgeting in bytes matters:
 * a CJK character costs 3 bytes, and a control character 6 once JSON escapes it.
 */
export function fitCard(builds: ReadonlyArray<() => CardJson>, maxBytes: number): CardJson {
  let card: CardJson | undefined;
  for (const build of builds) {
    card = build();
    if (cardBytes(card) <= maxBytes) return card;
  }
  if (!card) throw new Error("fitCard needs at least one build");
  return card;
}
