import { loadPricing } from "../../../domain/cost/pricing";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import * as getEstimate from "./get-estimate";
import * as postEstimate from "./post-estimate";

export function registerCostRoutes(app: ApiApp, kit: RouteKit): void {
  const pricing = loadPricing();
  getEstimate.register(app, kit, pricing);
  postEstimate.register(app, kit, pricing);
}
