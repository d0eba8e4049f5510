import type { NotificationItem } from "../../cards/notification-text";
import type { EnvironmentRow, TaskRow } from "../../db/rows";
import type { Stores } from "../../db/stores/index";
import { idPattern } from "../../domain/model/ids";
import { isTerminal, type TaskStatus } from "../../domain/model/task-status";
import type { Logger } from "../../platform/logger";
import { classify, wants } from "./classify";
import { payloadFor } from "./outbox-payload";
import { resolveRoutes } from "./routes";
import type { WebhookUrlPolicy } from "./url-policy";

type TriggerStores = Pick<
  Stores,
  "environments" | "projects" | "notificationSettings" | "notificationOutbox"
>;

export interface TriggerDeps {
  stores: TriggerStores;
  policy: WebhookUrlPolicy;
  fallbackWebhookUrl: string | undefined;
  logger: Logger;
  /** Called after rows were written (the local dispatcher sends them without waiting for its poll). */
  onEnqueued?: () => void;
}

const envIdPattern = idPattern("environment");

/**
 * Decides who hears about a finished task and writes one outbox row per route, durably, before the
 * caller moves on. Delivery happens later in the dispatcher, so a slow or broken route never holds a
 * task up. Returns the number of rows written.
 */
export function createNotificationTrigger(deps: TriggerDeps) {
  const { logger } = deps;

  async function environmentOf(stores: TriggerStores, task: TaskRow): Promise<EnvironmentRow | null> {
    const candidates = [task.payload.envId, task.payload.environmentId, task.entityId];
    const id = candidates.find((c): c is string => typeof c === "string" && envIdPattern.test(c));
    return id ? stores.environments.get(id) : null;
  }

  async function entityLabel(
    stores: TriggerStores,
    task: TaskRow,
    env: EnvironmentRow | null,
  ): Promise<string> {
    if (!env) return task.entityId;
    const project = await stores.projects.get(env.projectId);
    return project ? `${project.name}/${env.name}` : env.name;
  }

  /** One outbox row per route of the project for `task` (whose settings were read already). */
  async function enqueue(
    stores: TriggerStores,
    task: TaskRow,
    env: EnvironmentRow | null,
    projectId: string | null,
    settings: Awaited<ReturnType<TriggerStores["notificationSettings"]["get"]>>,
    detail: string | null,
  ): Promise<number> {
    const routes = resolveRoutes(settings, deps.fallbackWebhookUrl).filter((route) => {
      if (route.channel !== "teams") return true;
      const check = deps.policy.validate(route.url);
      if (!check.ok)
        logger.warn("teams route skipped: webhook URL refused", {
          target: route.target,
          reason: check.reason,
          projectId,
        });
      return check.ok;
    });
    if (routes.length === 0) return 0;
    const item: NotificationItem = {
      taskId: task.id,
      taskType: task.type,
      status: task.status as NotificationItem["status"],
      entityLabel: await entityLabel(stores, task, env),
      requestedBy: task.requestedBy,
      startedAt: task.startedAt?.toISOString() ?? null,
      finishedAt: (task.finishedAt ?? task.updatedAt).toISOString(),
      error: task.error?.message ?? null,
      ...(detail ? { detail } : {}),
    };
    const rows = await stores.notificationOutbox.enqueue(
      routes.map((route) => ({
        channel: route.channel,
        routeKey: route.key,
        projectId,
        entityId: task.entityId,
        taskId: task.id,
        payload: payloadFor(route, item, projectId),
      })),
    );
    return rows.length;
  }

  function projectOf(task: TaskRow, env: EnvironmentRow | null): string | null {
    const payloadProject = typeof task.payload.projectId === "string" ? task.payload.projectId : null;
    return task.projectId ?? env?.projectId ?? payloadProject;
  }

  return {
    /**
     * Writes the outbox rows for `task`. Given `tx` (the transaction recording the terminal status),
     * it writes there and leaves waking the dispatcher to the caller, after the commit.
     */
    async onTaskFinished(task: TaskRow, tx?: TriggerStores): Promise<number> {
      if (!isTerminal(task.status as TaskStatus)) return 0;
      const stores = tx ?? deps.stores;
      const env = await environmentOf(stores, task);
      const outcome = classify(task, env);
      if (!outcome) return 0;
      const projectId = projectOf(task, env);
      const settings = projectId ? await stores.notificationSettings.get(projectId) : null;
      if (!wants(settings?.notifyOn, outcome)) return 0;
      const written = await enqueue(stores, task, env, projectId, settings, null);
      if (!tx && written > 0) deps.onEnqueued?.();
      return written;
    },

    /**
     * A task waits for a second person: every route of the project hears of it, whatever notifyOn
     * says (it asks someone to act, and expires unseen otherwise). Same transaction rules as above.
     */
    async onApprovalRequested(task: TaskRow, tx?: TriggerStores): Promise<number> {
      if (task.status !== "awaiting_approval" || !task.approval) return 0;
      const stores = tx ?? deps.stores;
      const env = await environmentOf(stores, task);
      const projectId = projectOf(task, env);
      const settings = projectId ? await stores.notificationSettings.get(projectId) : null;
      const a = task.approval;
      const detail = `${a.summary} · sha256 ${a.planSha256.slice(0, 12)}… · approve by ${a.expiresAt.slice(0, 16).replace("T", " ")} UTC`;
      const written = await enqueue(stores, task, env, projectId, settings, detail);
      if (!tx && written > 0) deps.onEnqueued?.();
      return written;
    },
  };
}

export type NotificationTrigger = ReturnType<typeof createNotificationTrigger>;
