import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import * as createEnvironment from "./create-environment";
import * as createProject from "./create-project";
import * as deleteEnvironment from "./delete-environment";
import * as deleteProject from "./delete-project";
import * as getEnvironment from "./get-environment";
import * as getProject from "./get-project";
import * as listEnvironments from "./list-environments";
import * as listProjects from "./list-projects";
import * as updateEnvironment from "./update-environment";
import * as updateProject from "./update-project";

export function registerProjectRoutes(app: ApiApp, kit: RouteKit): void {
  for (const r of [
    listProjects,
    createProject,
    getProject,
    updateProject,
    deleteProject,
    listEnvironments,
    createEnvironment,
    getEnvironment,
    updateEnvironment,
    deleteEnvironment,
  ]) {
    r.register(app, kit);
  }
}
