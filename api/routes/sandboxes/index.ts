import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import * as createSandbox from "./create-sandbox";

export function registerSandboxRoutes(app: ApiApp, kit: RouteKit): void {
  createSandbox.register(app, kit);
}
