import type { ApiApp, ApiDeps } from "../../types";
import { register as registerGetHealth } from "./get-health";

export function registerHealthRoutes(app: ApiApp, deps: ApiDeps): void {
  registerGetHealth(app, deps);
}
