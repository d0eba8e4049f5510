import type { TaskRow } from "../../db/rows";
import type { Stores } from "../../db/stores/index";
import type { TaskEvent } from "../../domain/model/events";

/**
 * What a fault run did to a set of tasks, read back from the journal (the events every process wrote):
 * the figures of docs/reliability.md.
 */
export interface FaultFigures {
  tasks: number;
  /** Tasks that did not end `succeeded`. */
  lost: number;
  /** Tasks with more than one `succeeded` status, or a step that succeeded more than once. */
  duplicated: number;
  /** A task of an entity that started before an older task of the same entity (creation order). */
  orderViolations: number;
  /** A task of an entity that started before the previous task of that entity had finished. */
  sameEntityOverlaps: number;
  /** Most steps of different tasks running at one moment (event times). */
  maxRunning: number;
}

interface StepWindow {
  taskId: string;
  start: number;
  end: number;
}

/** Reads every event of `tasks` and counts what the fault cost (see FaultFigures). */
export async function faultFigures(stores: Stores, tasks: TaskRow[]): Promise<FaultFigures> {
  const byTask = new Map<string, TaskEvent[]>();
  for (const task of tasks) byTask.set(task.id, await stores.taskEvents.listForTask(task.id, 0, 10_000));
  let lost = 0;
  let duplicated = 0;
  const windows: StepWindow[] = [];
  const span = new Map<string, { firstStart: number; end: number }>();
  for (const task of tasks) {
    const events = byTask.get(task.id) ?? [];
    const row = await stores.tasks.get(task.id);
    if (row?.status !== "succeeded") lost++;
    const succeeded = events.filter((e) => e.data.kind === "status" && e.data.status === "succeeded");
    const stepWins = new Map<number, number>();
    for (const e of events) {
      if (e.data.kind === "step" && e.data.status === "succeeded")
        stepWins.set(e.data.index, (stepWins.get(e.data.index) ?? 0) + 1);
    }
    if (succeeded.length > 1 || [...stepWins.values()].some((n) => n > 1)) duplicated++;
    // Step windows: from "running" to the next state of that step (succeeded, pending on hand-back, ...).
    const open = new Map<number, number>();
    for (const e of events) {
      if (e.data.kind !== "step") continue;
      const at = Date.parse(e.at);
      if (e.data.status === "running") open.set(e.data.index, at);
      else if (open.has(e.data.index)) {
        windows.push({ taskId: task.id, start: open.get(e.data.index) ?? at, end: at });
        open.delete(e.data.index);
      }
    }
    const firstStart = events.find((e) => e.data.kind === "step" && e.data.status === "running");
    const last = events.at(-1);
    if (firstStart && last) span.set(task.id, { firstStart: firstStart.id, end: last.id });
  }
  // Order per entity: tasks in creation order must start (first step) in that order, each after the
  // previous one's last event (event ids are global and increasing).
  let orderViolations = 0;
  let sameEntityOverlaps = 0;
  const entities = new Map<string, TaskRow[]>();
  for (const task of tasks) entities.set(task.entityId, [...(entities.get(task.entityId) ?? []), task]);
  for (const list of entities.values()) {
    const ordered = [...list].sort(
      (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id),
    );
    for (let i = 1; i < ordered.length; i++) {
      const prev = span.get(ordered[i - 1]?.id ?? "");
      const cur = span.get(ordered[i]?.id ?? "");
      if (!prev || !cur) continue;
      if (cur.firstStart < prev.firstStart) orderViolations++;
      else if (cur.firstStart < prev.end) sameEntityOverlaps++;
    }
  }
  return {
    tasks: tasks.length,
    lost,
    duplicated,
    orderViolations,
    sameEntityOverlaps,
    maxRunning: maxOverlap(windows),
  };
}

/** Most windows of different tasks open at one instant. */
function maxOverlap(windows: StepWindow[]): number {
  const points = windows.flatMap((w) => [
    { at: w.start, delta: 1 },
    { at: w.end, delta: -1 },
  ]);
  // Ends before starts at the same instant: a step that ended as another began did not overlap it.
  points.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let max = 0;
  for (const p of points) {
    running += p.delta;
    max = Math.max(max, running);
  }
  return max;
}

/** First step start (event time) after `since`, across `tasks`: when work resumed after a fault. */
export async function firstStepStartAfter(
  stores: Stores,
  tasks: TaskRow[],
  since: number,
): Promise<number | null> {
  let first: number | null = null;
  for (const task of tasks) {
    for (const e of await stores.taskEvents.listForTask(task.id, 0, 10_000)) {
      if (e.data.kind !== "step" || e.data.status !== "running") continue;
      const at = Date.parse(e.at);
      if (at > since && (first === null || at < first)) first = at;
    }
  }
  return first;
}
