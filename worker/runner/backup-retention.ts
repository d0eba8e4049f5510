import type { Stores } from "../../db/stores/index";
import type { ArtifactStore } from "../../platform/artifacts/artifact-store";
import type { Logger } from "../../platform/logger";

const DAY_MS = 86_400_000;

/**
 * ARTIFACT_RETENTION_DAYS: removes backups older than the retention (content first, then the row),
 * never the newest backup of an instance, however old. Safe on several workers (deletes are idempotent).
 */
export function createBackupRetention(deps: {
  stores: Stores;
  storage: ArtifactStore;
  logger: Logger;
  retentionDays: number;
  intervalMs?: number;
}) {
  let timer: NodeJS.Timeout | null = null;

  async function prune(now = new Date()): Promise<string[]> {
    const cutoff = new Date(now.getTime() - deps.retentionDays * DAY_MS);
    const newest = new Map<string, string | undefined>();
    const removed: string[] = [];
    for (const artifact of await deps.stores.artifacts.listBackupsBefore(cutoff)) {
      const instance = `${artifact.engine}/${artifact.instanceId}`;
      if (!newest.has(instance)) {
        const [latest] = await deps.stores.artifacts.list({
          kind: "backup",
          engine: artifact.engine ?? undefined,
          instanceId: artifact.instanceId ?? undefined,
          limit: 1,
        });
        newest.set(instance, latest?.id);
      }
      if (newest.get(instance) === artifact.id) continue;
      await deps.storage.delete(artifact.path);
      await deps.stores.artifacts.delete(artifact.id);
      removed.push(artifact.id);
    }
    if (removed.length)
      deps.logger.info("old backups removed", { count: removed.length, retentionDays: deps.retentionDays });
    return removed;
  }

  return {
    prune,
    start() {
      const tick = () =>
        void prune().catch((error) => deps.logger.warn("backup retention failed", { error }));
      tick();
      timer ??= setInterval(tick, deps.intervalMs ?? 3_600_000);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
