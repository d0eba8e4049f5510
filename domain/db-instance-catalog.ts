import type { Stores } from "../db/stores/index";
import { type DbInstance, type PublicDbInstance, publicView } from "../platform/db-instances";
import { environmentNeedsApproval } from "./model/approval";

export type InstanceLookup =
  | { kind: "real"; instance: DbInstance }
  /** Demo mode without DB_INSTANCES: any id is accepted and the operation is simulated. */
  | { kind: "simulated"; instance: PublicDbInstance }
  | { kind: "unknown" };

/** The databases operators may back up and restore, looked up by engine and id (DB_INSTANCES). */
export function createDbInstanceCatalog(options: { instances: DbInstance[]; demoMode: boolean }) {
  const simulated = options.instances.length === 0 && options.demoMode;
  return {
    /** True when operations run the simulator (demo mode, nothing configured). */
    simulated,
    lookup(engine: string, id: string): InstanceLookup {
      if (simulated && (engine === "azure-postgres" || engine === "azure-sql")) {
        return { kind: "simulated", instance: { id, engine } };
      }
      const instance = options.instances.find((i) => i.id === id && i.engine === engine);
      return instance ? { kind: "real", instance } : { kind: "unknown" };
    },
    /** Ids, engines and environments only: connection strings never leave the catalogue. */
    list(): PublicDbInstance[] {
      return options.instances.map(publicView);
    },
  };
}

export type DbInstanceCatalog = ReturnType<typeof createDbInstanceCatalog>;

/**
 * Whether changes to an instance tied to `project/environment` need two-person approval: the
 * environment is prod or asks for it (an unknown environment named prod counts as prod).
 */
export async function environmentRequiresApproval(stores: Stores, ref: string | undefined): Promise<boolean> {
  if (!ref) return false;
  const [projectName = "", envName = ""] = ref.split("/");
  const project = await stores.projects.resolve(projectName);
  const env = project ? await stores.environments.byName(project.id, envName) : null;
  return env ? environmentNeedsApproval(env) : envName === "prod";
}

/** Whether `project/environment` names a production environment (its type, else its name). */
export async function isProdEnvironment(stores: Stores, ref: string | undefined): Promise<boolean> {
  if (!ref) return false;
  const [projectName = "", envName = ""] = ref.split("/");
  const project = await stores.projects.resolve(projectName);
  const env = project ? await stores.environments.byName(project.id, envName) : null;
  return env ? env.type === "prod" : envName === "prod";
}
