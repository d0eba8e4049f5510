import type { TaskRow } from "../../../db/rows";
import { isProdEnvironment } from "../../../domain/db-instance-catalog";
import { ApiError } from "../../problem";
import type { RouteKit } from "../../route-kit";
import type { Principal } from "../../types";
import { catalogOf } from "./instance-guard";

/**
 * Overwriting production data is an admin decision: a restore into an instance tied to a prod
 * environment needs the admin role, when it is submitted and again whenever it is run once more
 * (task retry, dead-letter retry), so an operator cannot get round it by retrying an admin's failed task.
 */
export async function requireRestoreRole(
  kit: RouteKit,
  user: Principal,
  engine: string,
  target: string,
): Promise<void> {
  if (user.role === "admin") return;
  const into = catalogOf(kit.deps.config).lookup(engine, target);
  if (into.kind !== "real" || !(await isProdEnvironment(kit.deps.stores, into.instance.environment))) return;
  throw new ApiError(
    403,
    "prod_restore_requires_admin",
    "Restoring into production needs the admin role",
    `${target} belongs to the production environment ${into.instance.environment}`,
    { hint: "Ask an admin to run the restore, or restore into a non-production instance" },
  );
}

/** The same rule for a task about to be retried: only db.restore tasks are concerned. */
export async function requireRetryRole(kit: RouteKit, user: Principal, task: TaskRow | null): Promise<void> {
  if (task?.type !== "db.restore") return;
  const payload = task.payload as Record<string, unknown>;
  const engine = String(payload.engine ?? "");
  const target = String(payload.target ?? payload.instanceId ?? "");
  await requireRestoreRole(kit, user, engine, target);
}
