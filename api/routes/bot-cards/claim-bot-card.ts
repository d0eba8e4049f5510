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

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: botOnly(kit) }, async (c) => {
    const { card, created } = await kit.deps.stores.botCards.claim(c.req.valid("json"));
    return c.json({ card: toBotCard(card), created }, 200);
  });
}
