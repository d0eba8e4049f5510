import { existsSync } from "node:fs";
import type { Stores } from "../../db/stores/index";
import { stepsOf, TASK_TYPE_NAMES } from "../../domain/model/task-types";
import type { HandlerDeps } from "../../worker/handlers/deps";
import type { TaskHandler } from "../../worker/handlers/handler";

/**
 * Handlers for every task type whose steps do nothing but can be held open: payload
 * `holdAt: "<step>"` plus `holdKey: "<key>"` makes that step wait, checkpointing (so cancel and
 * shutdown reach it; `holdWithoutCheckpoint: true` waits without), until the test calls `release(key)`. Failures come from the runner's payload
 * injection (`failAt`, `failTimes`, `failPermanently`). Retry delays are tiny so tests are fast.
 * With `spin`, payload `spinAt: "<step>"` plus `spinUntilFile` stalls the whole process at that step.
 */
export function createScriptedHandlers(options: { maxAttempts?: number; spin?: boolean } = {}) {
  const released = new Set<string>();

  const handlers: TaskHandler<HandlerDeps>[] = TASK_TYPE_NAMES.map((type) => ({
    type,
    retry: { maxAttempts: options.maxAttempts ?? 3, baseDelayMs: 20, maxDelayMs: 60 },
    steps: stepsOf(type).map((name) => ({
      name,
      async run(ctx) {
        const { holdAt, holdKey, holdWithoutCheckpoint, spinAt, spinUntilFile } = ctx.payload;
        // A stalled worker: blocks the event loop (no timers, no lock or lease renewal) until the test
        // creates `spinUntilFile` (at most 60 s). Only in processes created with `spin`.
        if (options.spin && spinAt === name && typeof spinUntilFile === "string") {
          const deadline = Date.now() + 60_000;
          while (!existsSync(spinUntilFile) && Date.now() < deadline) {
            // busy: the event loop must not turn
          }
        }
        if (holdAt !== name || typeof holdKey !== "string") return;
        while (!released.has(holdKey)) {
          await ctx.sleep(10);
          if (holdWithoutCheckpoint !== true) await ctx.checkpoint();
        }
      },
    })),
  }));

  return {
    handlers,
    release(key: string) {
      released.add(key);
    },
  };
}

/**
 * Every step start the journal recorded for these tasks, in the order they happened (global event
 * id): what a person watching the tasks saw run.
 */
export async function stepStarts(
  stores: Stores,
  taskIds: string[],
): Promise<{ taskId: string; step: string }[]> {
  const events = (await Promise.all(taskIds.map((id) => stores.taskEvents.listForTask(id)))).flat();
  return events
    .sort((a, b) => a.id - b.id)
    .flatMap((e) =>
      e.data.kind === "step" && e.data.status === "running" ? [{ taskId: e.taskId, step: e.data.name }] : [],
    );
}
