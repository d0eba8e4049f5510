/** The deploy template catalogue: what `POST /api/deployments` accepts as `templateId`. */
export const DEPLOY_TEMPLATES = ["web-app", "api-service", "worker", "static-site", "function-app"] as const;
export type DeployTemplate = (typeof DEPLOY_TEMPLATES)[number];

export function isDeployTemplate(value: string): value is DeployTemplate {
  return (DEPLOY_TEMPLATES as readonly string[]).includes(value);
}
