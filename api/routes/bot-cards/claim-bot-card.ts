import { createRoute } from "@hono/zod-openapi";
import { BotCardClaimSchema, ClaimBotCardSchema, EXAMPLE_BOT_CARD } from "../../../contracts/bot-cards";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";
import { botOnly } from "./bot-only";
import { toBotCard } from "./mappers";

export const route = createRoute({
  method: "post",
  path: "/api/bot/cards/claims",
  operationId: "claimBotCard",
  tags: ["Bot"],
  summary:
    "Claim the right to post a message for an incoming activity, once per conversation (bot only; a redelivery gets created: false and the message already posted)",
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: ClaimBotCardSchema,
          example: {
            conversationId: EXAMPLE_BOT_CARD.conversationId,
            sourceKey: "1736071234000",
            conversationRef: EXAMPLE_BOT_CARD.conversationRef,
          },
        },
      },
    },
  },
  responses: {
    200: {
      description: "The claim: new, or the one made before",
      content: {
        "application/json": {
          schema: BotCardClaimSchema,
          example: { card: EXAMPLE_BOT_CARD, created: true },
        },
      },
    },
    ...errorResponses,
  },
});

/** How long a record outlives its use (a redelivery window, a final card) before it is purged. */
const KEEP_MS = 7 * 24 * 60 * 60_000;
const PURGE_EVERY_MS = 60 * 60_000;

export function register(app: ApiApp, kit: RouteKit): void {
  // Purged now and then on a claim's way in, as idempotency keys are: no timer of its own.
  let nextPurge = 0;
  app.openapi({ ...route, middleware: botOnly(kit) }, async (c) => {
    if (Date.now() >= nextPurge) {
      nextPurge = Date.now() + PURGE_EVERY_MS;
      void kit.deps.stores.botCards.purge(new Date(Date.now() - KEEP_MS)).catch((error: unknown) => {
        kit.deps.logger.warn("could not purge old bot card records", { error });
      });
    }
    const { card, created } = await kit.deps.stores.botCards.claim(c.req.valid("json"));
    return c.json({ card: toBotCard(card), created }, 200);
  });
}
