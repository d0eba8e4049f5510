import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import * as listDeadLetters from "./list-dead-letters";
import * as retryDeadLetter from "./retry-dead-letter";
import * as skipDeadLetter from "./skip-dead-letter";

export function registerDeadLetterRoutes(app: ApiApp, kit: RouteKit): void {
  listDeadLetters.register(app, kit);
  retryDeadLetter.register(app, kit);
  skipDeadLetter.register(app, kit);
}
