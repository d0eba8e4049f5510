import { buildErrorCard } from "../../cards/error-card";
import type { CardJson } from "../../cards/expand";
import type { Environment, Project } from "../../contracts/projects";
import type { ApiClient, CallContext } from "../api-client";
import { usageOf } from "../replies";

export type Resolved<T> = { kind: "value"; value: T } | { kind: "card"; card: CardJson };

/** The item named exactly as typed, else the only one whose name matches ignoring case. */
function byName<T extends { name: string }>(items: readonly T[], name: string): T | undefined {
  const exact = items.find((i) => i.name === name);
  if (exact) return exact;
  const loose = items.filter((i) => i.name.toLowerCase() === name.toLowerCase());
  return loose.length === 1 ? loose[0] : undefined;
}

const known = (names: string[]) =>
  names.length
    ? `Known: ${names.slice(0, 12).join(", ")}${names.length > 12 ? ", …" : ""}.`
    : "There are none yet.";

/** Turns a project name into its id through GET /api/projects. */
export async function resolveProject(
  api: ApiClient,
  ctx: CallContext,
  name: string,
  command: "deploy" | "sandbox",
): Promise<Resolved<Project>> {
  const { items } = await api.listProjects(ctx);
  const project = byName(items, name);
  if (project) return { kind: "value", value: project };
  return {
    kind: "card",
    card: buildErrorCard({
      title: `There is no project named “${name}”`,
      hint: known(items.map((p) => p.name)),
      ...usageOf(command),
    }),
  };
}

/** Turns an environment name of a project into its id through GET /api/projects/{id}/environments. */
export async function resolveEnvironment(
  api: ApiClient,
  ctx: CallContext,
  project: Project,
  name: string,
): Promise<Resolved<Environment>> {
  const { items } = await api.listEnvironments(ctx, project.id);
  const env = byName(items, name);
  if (env) return { kind: "value", value: env };
  return {
    kind: "card",
    card: buildErrorCard({
      title: `Project ${project.name} has no environment named “${name}”`,
      hint: known(items.map((e) => e.name)),
      ...usageOf("deploy"),
    }),
  };
}
