import {
  ABORT_REASON,
  type EntityQueueState,
  type Processor,
  type ProcessResult,
  type QueueItem,
  type QueueOptions,
  type TaskQueue,
} from "../../domain/queue-port";
import type { Logger } from "../../platform/logger";
import { merged } from "../../platform/merged";

interface EntityLane {
  id: string;
  items: QueueItem[];
  running: string | null;
  /** Set while the head item waits for its retry; the lane is not ready meanwhile. */
  retryTimer: NodeJS.Timeout | null;
  queued: boolean;
}

/**
 * In-process engine, the zero-install default. Modelled on Service Bus sessions: a session takes
 * one entity lane and runs up to `maxMessagesPerSession` of its items back to back, then the lane
 * goes to the back of the ready line. At most `maxConcurrentSessions` sessions run at once.
 * Nothing survives the process; the reconciler re-enqueues unfinished tasks from the database on start.
 */
export function createMemoryQueue(options: QueueOptions, logger: Logger): TaskQueue {
  const lanes = new Map<string, EntityLane>();
  const laneOf = new Map<string, string>();
  const ready: EntityLane[] = [];
  const controllers = new Map<string, AbortController>();
  const deliveries = new Map<string, number>();
  /** Heads queued once more behind themselves (see enqueue); their second entry is in the lane too. */
  const requeued = new Set<string>();
  let processor: Processor | null = null;
  let stopping = false;
  let activeSessions = 0;
  let idle: (() => void) | null = null;

  function markReady(lane: EntityLane): void {
    if (lane.queued || lane.running || lane.retryTimer || lane.items.length === 0) return;
    lane.queued = true;
    ready.push(lane);
  }

  function dropIfEmpty(lane: EntityLane): void {
    if (lane.items.length === 0 && !lane.running && !lane.retryTimer) lanes.delete(lane.id);
  }

  function pump(): void {
    while (processor && !stopping && activeSessions < options.maxConcurrentSessions && ready.length > 0) {
      const lane = ready.shift();
      if (!lane) break;
      lane.queued = false;
      activeSessions++;
      void runSession(lane, processor).finally(() => {
        activeSessions--;
        markReady(lane);
        dropIfEmpty(lane);
        if (activeSessions === 0) idle?.();
        pump();
      });
    }
  }

  /**
   * Starts deliveries once the enqueuing turn is done. In one process (the zero-setup start) SQLite
   * answers synchronously, so a delivery started inside the enqueue ran the task's first steps before
   * the request that made it could answer. In bench:bot, 20 Teams commands at once: first reply p95
   * 205 (197–210) vs 252 (249–276) ms.
   */
  let pumpScheduled = false;
  function pumpSoon(): void {
    if (pumpScheduled) return;
    pumpScheduled = true;
    setImmediate(() => {
      pumpScheduled = false;
      pump();
    });
  }

  async function runSession(lane: EntityLane, run: Processor): Promise<void> {
    for (let count = 0; count < options.maxMessagesPerSession && !stopping; count++) {
      const item = lane.items[0];
      if (!item) return;
      const controller = new AbortController();
      controllers.set(item.taskId, controller);
      lane.running = item.taskId;
      const deliveryCount = (deliveries.get(item.taskId) ?? 0) + 1;
      deliveries.set(item.taskId, deliveryCount);
      let result: ProcessResult;
      try {
        result = await run(merged(item, { deliveryCount, signal: controller.signal }));
      } catch (error) {
        // The processor handles its own failures; reaching here is a bug, so back off and redeliver.
        logger.error("queue processor threw", { taskId: item.taskId, error });
        result = { kind: "retry", delayMs: 1000 };
      } finally {
        controllers.delete(item.taskId);
        lane.running = null;
      }
      if (result.kind === "release") return;
      if (result.kind === "retry") {
        lane.retryTimer = setTimeout(() => {
          lane.retryTimer = null;
          markReady(lane);
          pump();
        }, result.delayMs);
        return;
      }
      lane.items.shift();
      deliveries.delete(item.taskId);
      if (!requeued.delete(item.taskId)) laneOf.delete(item.taskId);
    }
  }

  return {
    kind: "memory",

    async enqueue(item) {
      const queuedIn = laneOf.get(item.taskId);
      if (queuedIn !== undefined) {
        // Queued already: nothing to do while it waits. As its entity's head (running, or about to
        // run) it goes in once more, at the back: the task went back to queued while its delivery
        // finishes (a retry right after it failed), and that delivery is about to drop it.
        const lane = lanes.get(queuedIn);
        if (lane?.items[0]?.taskId !== item.taskId || requeued.has(item.taskId)) return;
        lane.items.push(item);
        requeued.add(item.taskId);
        return;
      }
      let lane = lanes.get(item.entityId);
      if (!lane) {
        lane = { id: item.entityId, items: [], running: null, retryTimer: null, queued: false };
        lanes.set(item.entityId, lane);
      }
      lane.items.push(item);
      laneOf.set(item.taskId, item.entityId);
      markReady(lane);
      pumpSoon();
    },

    async remove(taskId) {
      const lane = lanes.get(laneOf.get(taskId) ?? "");
      if (lane && requeued.delete(taskId)) {
        // The copy behind its head goes; the head (maybe running) stays.
        lane.items.splice(
          lane.items.findLastIndex((i) => i.taskId === taskId),
          1,
        );
        return true;
      }
      if (!lane || lane.running === taskId) return false;
      const index = lane.items.findIndex((i) => i.taskId === taskId);
      if (index < 0) return false;
      if (index === 0 && lane.retryTimer) {
        clearTimeout(lane.retryTimer);
        lane.retryTimer = null;
      }
      lane.items.splice(index, 1);
      laneOf.delete(taskId);
      deliveries.delete(taskId);
      if (lane.items.length === 0 && lane.queued) ready.splice(ready.indexOf(lane), 1);
      lane.queued = lane.queued && lane.items.length > 0;
      markReady(lane);
      dropIfEmpty(lane);
      // As for enqueue: the item the removal frees starts after the request that removed it answers.
      pumpSoon();
      return true;
    },

    async abort(taskId) {
      // On the next turn, as an abort reaches the other engines' workers (over Redis or Service Bus):
      // the delivery's cancellation (its journal writes) does not run inside the request that asked.
      setImmediate(() => {
        controllers.get(taskId)?.abort(ABORT_REASON.cancelled);
        const lane = lanes.get(laneOf.get(taskId) ?? "");
        if (lane?.retryTimer && lane.items[0]?.taskId === taskId) {
          // Waiting for a retry: deliver now so the runner sees the cancel request without the wait.
          clearTimeout(lane.retryTimer);
          lane.retryTimer = null;
          markReady(lane);
          pump();
        }
      });
    },

    async start(p) {
      processor = p;
      stopping = false;
      pump();
    },

    async stop(graceMs) {
      stopping = true;
      if (activeSessions === 0) return;
      const drained = new Promise<void>((resolve) => {
        idle = resolve;
      });
      const timer = setTimeout(() => {
        for (const c of controllers.values()) c.abort(ABORT_REASON.shutdown);
      }, graceMs);
      await drained;
      clearTimeout(timer);
      idle = null;
    },

    async has(taskId) {
      return laneOf.has(taskId);
    },

    async positionOf(taskId) {
      const lane = lanes.get(laneOf.get(taskId) ?? "");
      if (!lane) return null;
      const isTask = (item: QueueItem) => item.taskId === taskId;
      // Queued again behind itself: the second entry is where it waits.
      const index = requeued.has(taskId) ? lane.items.findLastIndex(isTask) : lane.items.findIndex(isTask);
      return index < 0 ? null : index;
    },

    async snapshot(): Promise<EntityQueueState[]> {
      return [...lanes.values()]
        .filter((lane) => lane.items.length > 0)
        .map((lane) => ({
          entityId: lane.id,
          depth: lane.items.length,
          runningTaskId: lane.running,
          pendingTaskIds: lane.items.flatMap((i, k) =>
            k === 0 && i.taskId === lane.running ? [] : [i.taskId],
          ),
        }))
        .sort((a, b) => a.entityId.localeCompare(b.entityId));
    },

    async ping() {},

    async close() {
      stopping = true;
      for (const lane of lanes.values()) if (lane.retryTimer) clearTimeout(lane.retryTimer);
      for (const c of controllers.values()) c.abort(ABORT_REASON.shutdown);
    },
  };
}
