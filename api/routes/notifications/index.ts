import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import * as getSettings from "./get-notification-settings";
import * as putSettings from "./put-notification-settings";
import * as sendTest from "./send-test-notification";

export function registerNotificationRoutes(app: ApiApp, kit: RouteKit): void {
  getSettings.register(app, kit);
  putSettings.register(app, kit);
  sendTest.register(app, kit);
}
