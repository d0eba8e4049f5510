import { createRoute } from "@hono/zod-openapi";
import { BotCardParams, UpdateBotCardSchema } from "../../../contracts/bot-cards";
import { ApiError } from "../../problem";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { botOnly } from "./bot-only";
import { oneCardResponses, toBotCard } from "./mappers";

export const route = createRoute({
  method: "patch",
  path: "/api/bot/cards/{id}",
  operationId: "updateBotCard",
  tags: ["Bot"],
  summary: "Record a card's posted id, delivered state or pending update (bot only)",
  request: {
    params: BotCardParams,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: UpdateBotCardSchema,
          example: { deliveredStatus: "succeeded", settled: true, attempts: 0, nextAttemptAt: null },
        },
      },
    },
  },
  responses: oneCardResponses,
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: botOnly(kit) }, async (c) => {
    const { id } = c.req.valid("param");
    const { nextAttemptAt, ...patch } = c.req.valid("json");
    const card = await kit.deps.stores.botCards.update(id, {
      ...patch,
      ...(nextAttemptAt === undefined
        ? {}
        : { nextAttemptAt: nextAttemptAt ? new Date(nextAttemptAt) : null }),
    });
    if (!card)
      throw new ApiError(404, "bot_card_not_found", "Card not found", `No bot card has the id ${id}`);
    return c.json(toBotCard(card), 200);
  });
}
