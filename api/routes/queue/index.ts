import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import * as getQueue from "./get-queue";

export function registerQueueRoutes(app: ApiApp, kit: RouteKit): void {
  getQueue.register(app, kit);
}
