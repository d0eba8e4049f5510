import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import * as claimBotCard from "./claim-bot-card";
import * as listBotCards from "./list-bot-cards";
import * as registerBotCard from "./register-bot-card";
import * as updateBotCard from "./update-bot-card";

export function registerBotCardRoutes(app: ApiApp, kit: RouteKit): void {
  claimBotCard.register(app, kit);
  listBotCards.register(app, kit);
  registerBotCard.register(app, kit);
  updateBotCard.register(app, kit);
}
