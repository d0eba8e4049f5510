import type { Stores } from "../../db/stores/index";
import type { TaskService } from "../../domain/task-service";
import type { Logger } from "../../platform/logger";
import { createPeriodicJob } from "../../platform/periodic-job";

/**
 * Turns due sandbox expiries into `sandbox.expire` tasks. The idempotency key per environment makes
 * this safe to run from every worker process and again after a restart (due expiries run on start).
 */
export function createExpiryScheduler(deps: {
  stores: Stores;
  tasks: TaskService;
  logger: Logger;
  intervalMs?: number;
}) {
  async function runDue(now = new Date()): Promise<number> {
    let submitted = 0;
    for (const env of await deps.stores.environments.listDueExpiries(now)) {
      const { created } = await deps.tasks.submit({
        type: "sandbox.expire",
        entityId: env.id,
        projectId: env.projectId,
        payload: { environmentId: env.id, projectId: env.projectId, name: env.name },
        requestedBy: "system",
        source: "system",
        idempotencyKey: `sandbox-expire:${env.id}`,
      });
      if (created) submitted++;
    }
    return submitted;
  }

  const job = createPeriodicJob({
    intervalMs: deps.intervalMs ?? 5000,
    runOnStart: true,
    pass: () => runDue(),
    onError: (error) => {
      deps.logger.warn("expiry scan failed", { error });
      return 0;
    },
  });

  return { runDue, start: () => job.start(), stop: () => job.stop() };
}
