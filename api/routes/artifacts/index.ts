import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import * as getArtifactContent from "./get-artifact-content";
import * as listArtifacts from "./list-artifacts";

export function registerArtifactRoutes(app: ApiApp, kit: RouteKit): void {
  listArtifacts.register(app, kit);
  getArtifactContent.register(app, kit);
}
