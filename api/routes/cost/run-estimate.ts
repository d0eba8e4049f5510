import {
  type Estimate,
  estimateMonthlyCost,
  type ResourcePlan,
  UnknownRegionError,
} from "../../../domain/cost/estimate";
import type { Pricing } from "../../../domain/cost/pricing";
import { ApiError } from "../../problem";

/** The estimate, with an unknown region turned into a 422 that lists the known ones. */
export function runEstimate(plan: ResourcePlan, pricing: Pricing): Estimate {
  try {
    return estimateMonthlyCost(plan, pricing);
  } catch (error) {
    if (error instanceof UnknownRegionError) {
      throw new ApiError(422, "unknown_region", "Unknown region", error.message);
    }
    throw error;
  }
}
