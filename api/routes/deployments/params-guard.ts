import { DEPLOY_PARAMS_HINT, validateDeployParams } from "../../../domain/model/deploy-params";
import type { DeployTemplate } from "../../../domain/model/deploy-templates";
import { ApiError } from "../../problem";

/**
 * Refuses params the template's schema rejects with a 400 that lists every field error, before a
 * task exists (the worker checks again for tasks queued by older versions).
 */
export function requireValidParams(template: DeployTemplate, params: Record<string, unknown>): void {
  const checked = validateDeployParams(template, params);
  if (checked.ok) return;
  throw new ApiError(
    400,
    "invalid_params",
    "Invalid deploy parameters",
    checked.errors.map((e) => `${e.path}: ${e.message}`).join("; "),
    { errors: checked.errors, hint: DEPLOY_PARAMS_HINT },
  );
}
