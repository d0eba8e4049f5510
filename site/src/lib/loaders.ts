import type { QueueState } from "../../../contracts/operations";
import type { Environment, Project } from "../../../contracts/projects";
import type { ApiClient } from "./api-client";

/** A project as the dashboard shows it: with its environments. */
export type ProjectWithEnvironments = Project & { environments: Environment[] };

/** Projects with their environments (one call per project). */
export async function loadProjects(
  api: ApiClient,
): Promise<{ projects: ProjectWithEnvironments[]; problem: string | null }> {
  const listed = await api.listProjects();
  if (!listed.ok) return { projects: [], problem: listed.problem.title };
  const projects = await Promise.all(
    listed.data.items.map(async (p) => {
      const envs = await api.listEnvironments(p.id);
      return { ...p, environments: envs.ok ? envs.data.items : [] };
    }),
  );
  return { projects, problem: null };
}

/** Tasks waiting to run or running, from GET /api/queue. */
export function queueDepthOf(queue: QueueState): number {
  return queue.depth;
}
