import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import * as createDeployment from "./create-deployment";

export function registerDeploymentRoutes(app: ApiApp, kit: RouteKit): void {
  createDeployment.register(app, kit);
}
