import type { CardJson } from "../cards/expand";
import { buildTaskCard } from "../cards/task-card";
import type { TaskDetail } from "../contracts/tasks";
import type { ApiClient, CallContext } from "./api-client";
import type { Actor } from "./identity";
import { stage } from "./stage-span";

const READER: Actor = { id: "cloudops-bot", name: "CloudOps bot", role: "viewer" };
const LABEL_TTL_MS = 10 * 60_000;

/** What a card shows of a task changes only with these; durations alone never warrant an edit. */
export function taskVersion(task: Pick<TaskDetail, "status" | "updatedAt">): string {
  return `${task.status}@${task.updatedAt}`;
}

export interface TaskCardExtras {
  refreshUserIds?: readonly string[];
  notice?: string;
}

/**
 * Builds task cards the way people name things: a deploy's title says `shop/prod`, looked up
 * through the API (project, then its environments) and cached, never the environment id. A failed
 * lookup falls back to the id; the card never waits on it twice within the cache's life.
 */
export function createTaskCards(deps: { api: ApiClient; publicUrl: string }) {
  const labels = new Map<string, { label: string | null; at: number }>();
  const ctx: CallContext = { actor: READER };

  async function labelOf(task: TaskDetail): Promise<string | undefined> {
    const projectId = task.payload.projectId;
    const envId = task.payload.envId;
    if (typeof projectId !== "string" || typeof envId !== "string" || envId !== task.entityId)
      return undefined;
    const cached = labels.get(envId);
    if (cached && Date.now() - cached.at < LABEL_TTL_MS) return cached.label ?? undefined;
    let label: string | null = null;
    try {
      const [project, envs] = await Promise.all([
        deps.api.getProject(ctx, projectId),
        deps.api.listEnvironments(ctx, projectId),
      ]);
      const env = envs.items.find((e) => e.id === envId);
      if (env) label = `${project.name}/${env.name}`;
    } catch {
      label = null;
    }
    if (labels.size > 5000) labels.clear();
    labels.set(envId, { label, at: Date.now() });
    return label ?? undefined;
  }

  return {
    /** The live card of a task, titled with the names people typed. */
    build(task: TaskDetail, extras: TaskCardExtras = {}): Promise<CardJson> {
      return stage("card.build", async () => {
        const entityLabel = await labelOf(task);
        return buildTaskCard(task, {
          publicUrl: deps.publicUrl,
          ...(entityLabel ? { entityLabel } : {}),
          ...(extras.refreshUserIds ? { refreshUserIds: extras.refreshUserIds } : {}),
          ...(extras.notice ? { notice: extras.notice } : {}),
        });
      });
    },
  };
}

export type TaskCards = ReturnType<typeof createTaskCards>;
