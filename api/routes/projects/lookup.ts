import type { EnvironmentRow, ProjectRow } from "../../../db/rows";
import type { Stores } from "../../../db/stores/index";
import { ApiError } from "../../problem";

export async function mustGetProject(stores: Stores, id: string): Promise<ProjectRow> {
  const project = await stores.projects.get(id);
  if (!project)
    throw new ApiError(404, "project_not_found", "Project not found", `No project has the id ${id}`);
  return project;
}

/** The environment, only when it belongs to the project in the path. */
export async function mustGetEnvironment(
  stores: Stores,
  projectId: string,
  envId: string,
): Promise<EnvironmentRow> {
  await mustGetProject(stores, projectId);
  const env = await stores.environments.get(envId);
  if (!env || env.projectId !== projectId) {
    throw new ApiError(
      404,
      "environment_not_found",
      "Environment not found",
      `The project has no environment ${envId}`,
    );
  }
  return env;
}
