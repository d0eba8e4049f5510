import type { BatchObservableCallback, Meter } from "@opentelemetry/api";
import type { Stores } from "../../db/stores/index";
import type { TaskQueue } from "../../domain/queue-port";
import type { Logger } from "../../platform/logger";

/**
 * Gauges over shared state, read at scrape time: queue depth by state, FIFO lanes, the oldest waiting
 * task, open dead letters, the notification outbox. Registered by API roles only: every API replica
 * reports the same values, so dashboards take max() rather than sum(). Returns a stop function.
 *
 * Queue states: `active` = a lane's head is being run; `delayed` = a lane's head waits between attempts
 * (its task is running in the database but no worker holds it); `waiting` = everything else queued.
 */
export function observeSharedState(deps: {
  meter: Meter;
  stores: Stores;
  queue: TaskQueue;
  logger: Logger;
}): () => void {
  const { meter, stores, queue, logger } = deps;
  const engine = queue.kind;
  const depth = meter.createObservableGauge("cloudops_queue_depth", {
    description: "Queued tasks by state (waiting, active, delayed) and engine",
  });
  const lanes = meter.createObservableGauge("cloudops_fifo_lanes", {
    description: "Entities (FIFO lanes) with at least one queued task",
  });
  const oldest = meter.createObservableGauge("cloudops_oldest_waiting_task_age_seconds", {
    description: "Age of the oldest task still waiting to start, in seconds (0 when none waits)",
  });
  const letters = meter.createObservableGauge("cloudops_dead_letters_open", {
    description: "Dead letters waiting for an operator (retry or skip)",
  });
  const outbox = meter.createObservableGauge("cloudops_notification_outbox", {
    description: "Notification outbox rows by state (pending, failed)",
  });
  const observables = [depth, lanes, oldest, letters, outbox];
  const callback: BatchObservableCallback = async (result) => {
    try {
      const [snapshot, state] = await Promise.all([queue.snapshot(), stores.gauges.read()]);
      const heads = snapshot.filter((lane) => !lane.runningTaskId);
      const headIds = heads.flatMap((lane) => (lane.pendingTaskIds[0] ? [lane.pendingTaskIds[0]] : []));
      const active = snapshot.length - heads.length;
      const delayed = await stores.gauges.countRunning(headIds);
      const total = snapshot.reduce((sum, lane) => sum + lane.depth, 0);
      result.observe(depth, Math.max(0, total - active - delayed), { engine, state: "waiting" });
      result.observe(depth, active, { engine, state: "active" });
      result.observe(depth, delayed, { engine, state: "delayed" });
      result.observe(lanes, snapshot.length, { engine });
      const age = state.oldestQueuedAt ? (Date.now() - state.oldestQueuedAt.getTime()) / 1000 : 0;
      result.observe(oldest, Math.max(0, age));
      result.observe(letters, state.deadLettersOpen);
      result.observe(outbox, state.outboxPending, { state: "pending" });
      result.observe(outbox, state.outboxFailed, { state: "failed" });
    } catch (error) {
      // A scrape during a database or Redis outage shows the gauges missing, not the scrape failing.
      logger.warn("metrics: reading queue and database state failed", { error });
    }
  };
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}
