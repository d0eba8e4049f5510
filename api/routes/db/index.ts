import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import * as createBackup from "./create-backup";
import * as createRestore from "./create-restore";
import * as listBackups from "./list-backups";

export function registerDbRoutes(app: ApiApp, kit: RouteKit): void {
  createBackup.register(app, kit);
  createRestore.register(app, kit);
  listBackups.register(app, kit);
}
