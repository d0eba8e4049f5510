import type { Config } from "../../../config";
import {
  createDbInstanceCatalog,
  type DbInstanceCatalog,
  type InstanceLookup,
} from "../../../domain/db-instance-catalog";
import { ApiError } from "../../problem";

const catalogs = new WeakMap<Config, DbInstanceCatalog>();

/** The instance catalogue of this API's configuration (built once per Config). */
export function catalogOf(config: Config): DbInstanceCatalog {
  let catalog = catalogs.get(config);
  if (!catalog) {
    catalog = createDbInstanceCatalog({ instances: config.databases.instances, demoMode: config.demoMode });
    catalogs.set(config, catalog);
  }
  return catalog;
}

/** The configured (or, in demo without DB_INSTANCES, simulated) instance; else a 404 problem at submit time. */
export function requireInstance(
  config: Config,
  engine: string,
  id: string,
): Exclude<InstanceLookup, { kind: "unknown" }> {
  const found = catalogOf(config).lookup(engine, id);
  if (found.kind === "unknown") {
    throw new ApiError(
      404,
      "instance_not_found",
      "Database instance not found",
      `No ${engine} instance is named ${id}`,
      {
        hint: "Operators may use the instances configured in DB_INSTANCES; list them with GET /api/db/instances",
      },
    );
  }
  return found;
}
