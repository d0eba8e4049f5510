import { type BotCard, BotCardSchema, EXAMPLE_BOT_CARD } from "../../../contracts/bot-cards";
import type { BotCardRow } from "../../../db/rows";
import { errorResponses } from "../shared";

/** The answers of a route that returns one card record. */
export const oneCardResponses = {
  200: {
    description: "The card record",
    content: { "application/json": { schema: BotCardSchema, example: EXAMPLE_BOT_CARD } },
  },
  ...errorResponses,
};

export function toBotCard(row: BotCardRow): BotCard {
  return {
    ...row,
    conversationRef: row.conversationRef as Record<string, unknown>,
    nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
