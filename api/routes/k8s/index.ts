import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import * as restartWorkload from "./restart-workload";

export function registerK8sRoutes(app: ApiApp, kit: RouteKit): void {
  restartWorkload.register(app, kit);
}
