import { createRoute } from "@hono/zod-openapi";
import { BotCardListQuery, BotCardListSchema, EXAMPLE_BOT_CARD } from "../../../contracts/bot-cards";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";
import { botOnly } from "./bot-only";
import { toBotCard } from "./mappers";

export const route = createRoute({
  method: "get",
  path: "/api/bot/cards",
  operationId: "listBotCards",
  tags: ["Bot"],
  summary: "The posted task cards of one task, or every card still owed an update (bot only)",
  request: { query: BotCardListQuery },
  responses: {
    200: {
      description: "Cards, oldest first",
      content: { "application/json": { schema: BotCardListSchema, example: { items: [EXAMPLE_BOT_CARD] } } },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: botOnly(kit) }, async (c) => {
    const q = c.req.valid("query");
    const items = await kit.deps.stores.botCards.list({
      taskId: q.taskId,
      unsettled: q.unsettled === "true",
      limit: q.limit,
    });
    return c.json({ items: items.map(toBotCard) }, 200);
  });
}
