import type { Counter, Histogram, Meter, UpDownCounter } from "@opentelemetry/api";
import { DURATION_BUCKETS, noopMeter } from "./metrics";

/**
 * Every event-driven instrument of CloudOps, named as Prometheus shows it (docs/observability.md
 * lists them). Created once per process from its meter and handed to the rooms through their deps.
 * Gauges over shared state (queue depth, dead letters, outbox) are observed where that state is read.
 */
export function createInstruments(meter: Meter) {
  const seconds = (name: string, description: string): Histogram =>
    meter.createHistogram(name, { description, advice: { explicitBucketBoundaries: DURATION_BUCKETS } });
  return {
    /** type */
    tasksSubmitted: meter.createCounter("cloudops_tasks_submitted", {
      description: "Tasks created through the task service, by type",
    }) as Counter,
    /** type, status (succeeded, failed, cancelled) */
    tasksFinished: meter.createCounter("cloudops_tasks_finished", {
      description: "Tasks that reached a terminal status, by type and status",
    }) as Counter,
    /** type, status: from the first start to the terminal status */
    taskDuration: seconds("cloudops_task_duration_seconds", "Run time of finished tasks, in seconds"),
    /** type, step, status (succeeded, failed) */
    stepDuration: seconds("cloudops_step_duration_seconds", "Run time of one step attempt, in seconds"),
    /** type, code */
    attemptsFailed: meter.createCounter("cloudops_task_attempts_failed", {
      description: "Failed task attempts (retried or dead-lettered), by type and error code",
    }) as Counter,
    /** type, reason (permanent_error, attempts_exhausted) */
    deadLettered: meter.createCounter("cloudops_dead_letters_created", {
      description: "Tasks moved to the dead-letter store, by type and reason",
    }) as Counter,
    /** method, route (template), status */
    httpDuration: seconds("cloudops_http_request_duration_seconds", "HTTP requests served, in seconds"),
    /** kind (message, invoke, other), outcome (ok, error) */
    botTurns: meter.createCounter("cloudops_bot_turns", {
      description: "Bot Framework activities handled, by kind and outcome",
    }) as Counter,
    /** outcome (sent, throttled, failed) */
    cardUpdates: meter.createCounter("cloudops_card_updates", {
      description: "Teams card updates: sent, answered 429 (throttled) or failed",
    }) as Counter,
    /** Open SSE streams of the API (task streams and the all-tasks stream). */
    sseClients: meter.createUpDownCounter("cloudops_sse_clients", {
      description: "Server-sent event streams connected now",
    }) as UpDownCounter,
  };
}

export type Instruments = ReturnType<typeof createInstruments>;

/** Instruments that record nothing (tests and factories whose caller passes none). */
export const noopInstruments: Instruments = createInstruments(noopMeter);
