import type { ApiClient } from "./api-client";
import { type Environment, itemsOf, type Project } from "./api-types";

/** Projects with their environments (one call per project when the list does not embed them). */
export async function loadProjects(api: ApiClient): Promise<{ projects: Project[]; problem: string | null }> {
  const listed = await api.get<unknown>("/api/projects");
  if (!listed.ok) return { projects: [], problem: listed.problem.title };
  const projects = itemsOf<Project>(listed.data);
  await Promise.all(
    projects.map(async (p) => {
      if (Array.isArray(p.environments)) return;
      const envs = await api.get<unknown>(`/api/projects/${encodeURIComponent(p.id)}/environments`);
      p.environments = envs.ok ? itemsOf<Environment>(envs.data) : [];
    }),
  );
  return { projects, problem: null };
}

/** Queue depth from GET /api/queue, whatever its exact field name. */
export function queueDepthOf(body: unknown): number | null {
  if (!body || typeof body !== "object") return null;
  const b = body as Record<string, unknown>;
  for (const key of ["depth", "queued", "waiting", "size", "pending"]) {
    if (typeof b[key] === "number") return b[key] as number;
  }
  const counts = b.counts;
  if (counts && typeof counts === "object") return queueDepthOf(counts);
  return null;
}
