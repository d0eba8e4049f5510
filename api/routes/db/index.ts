import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import * as createBackup from "./create-backup";
import * as createRestore from "./create-restore";
import * as listBackups from "./list-backups";
import * as listInstances from "./list-instances";

export function registerDbRoutes(app: ApiApp, kit: RouteKit): void {
  // Before the {engine}/{instanceId} routes (a literal path wins only when registered first).
  listInstances.register(app, kit);
  createBackup.register(app, kit);
  createRestore.register(app, kit);
  listBackups.register(app, kit);
}
