import type { Task } from "../../../contracts/tasks";
import type { ApiClient } from "./api-client";
import { loadProjects, type ProjectWithEnvironments } from "./loaders";

/** How the dashboard names things people know by name: environments as `project/environment`. */
export interface Names {
  /** `shop/prod` for an environment id; any other entity id (`prod/api`, `azure-postgres/orders`) as is. */
  entity(entityId: string): string;
  /** The environment id of `shop/prod` (case-insensitive), or null. */
  environmentId(name: string): string | null;
  /** Whether the id is an environment id this map has not seen (a sandbox created since it was built). */
  unknown(entityId: string): boolean;
  /** Every environment name, sorted (suggestions for the entity filter). */
  list(): string[];
}

export function namesFrom(projects: ProjectWithEnvironments[]): Names {
  const byId = new Map<string, string>();
  const byName = new Map<string, string>();
  for (const p of projects) {
    for (const e of p.environments) {
      byId.set(e.id, `${p.name}/${e.name}`);
      byName.set(`${p.name}/${e.name}`.toLowerCase(), e.id);
    }
  }
  return {
    entity: (id) => byId.get(id) ?? id,
    environmentId: (name) => byName.get(name.trim().toLowerCase()) ?? null,
    unknown: (id) => id.startsWith("env_") && !byId.has(id),
    list: () => [...byId.values()].sort(),
  };
}

export async function loadNames(api: ApiClient): Promise<Names> {
  return namesFrom((await loadProjects(api)).projects);
}

const str = (value: unknown) => (typeof value === "string" && value ? value : null);

/** What a task does, in words: "Deploy web-app to shop/prod", "Restart prod/api". */
export function taskTitle(task: Pick<Task, "type" | "entityId" | "payload">, names: Names): string {
  const entity = names.entity(task.entityId);
  switch (task.type) {
    case "deploy":
      return `Deploy ${str(task.payload.templateId) ?? "a template"} to ${entity}`;
    case "db.backup":
      return `Back up ${entity}`;
    case "db.restore":
      return `Restore ${entity}${str(task.payload.target) ? ` into ${str(task.payload.target)}` : ""}`;
    case "k8s.restart":
      return `Restart ${entity}`;
    case "sandbox.create":
      // The sandbox environment may not exist yet when the task is shown: its requested name says it.
      return `Create sandbox ${entity === task.entityId && str(task.payload.name) ? str(task.payload.name) : entity}`;
    case "sandbox.expire":
      return `Expire sandbox ${entity}`;
    default:
      return `${task.type} ${entity}`;
  }
}

/** The same free-text match the API applies (GET /api/tasks?q=), for rows arriving live. */
export function matchesText(task: Task, q: string, names: Names): boolean {
  const needle = q.trim().toLowerCase();
  if (!needle) return true;
  return [
    task.id,
    task.type,
    task.entityId,
    names.entity(task.entityId),
    task.requestedBy,
    JSON.stringify(task.payload),
  ].some((field) => field.toLowerCase().includes(needle));
}
