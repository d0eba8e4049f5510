import type { Environment, Project } from "../../../contracts/projects";
import type { EnvironmentRow, ProjectRow } from "../../../db/rows";
import { isDeployTemplate } from "../../../domain/model/deploy-templates";
import { iso } from "../shared";

export function toProject(row: ProjectRow): Project {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    defaultTemplate: isDeployTemplate(row.defaultTemplate) ? row.defaultTemplate : "web-app",
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toEnvironment(row: EnvironmentRow): Environment {
  return {
    id: row.id,
    projectId: row.projectId,
    name: row.name,
    type: row.type as Environment["type"],
    status: row.status,
    ttlMinutes: row.ttlMinutes,
    expiresAt: iso(row.expiresAt),
    namespace: row.namespace,
    requiresApproval: row.requiresApproval,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
