import { createRoute } from "@hono/zod-openapi";
import { EXAMPLE_BOT_CARD, RegisterBotCardSchema } from "../../../contracts/bot-cards";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { botOnly } from "./bot-only";
import { oneCardResponses, toBotCard } from "./mappers";

export const route = createRoute({
  method: "post",
  path: "/api/bot/cards",
  operationId: "registerBotCard",
  tags: ["Bot"],
  summary: "Record that a posted message shows a task, so it is kept current until the task ends (bot only)",
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: RegisterBotCardSchema,
          example: {
            conversationId: EXAMPLE_BOT_CARD.conversationId,
            activityId: "1736071234567",
            taskId: "tsk_01jd2x5k8m0000abcdefghjkmn",
            conversationRef: EXAMPLE_BOT_CARD.conversationRef,
          },
        },
      },
    },
  },
  responses: oneCardResponses,
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: botOnly(kit) }, async (c) => {
    const card = await kit.deps.stores.botCards.register(c.req.valid("json"));
    return c.json(toBotCard(card), 200);
  });
}
