export const TASK_STATUSES = [
  "queued",
  "running",
  "awaiting_approval",
  "succeeded",
  "failed",
  "cancelled",
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TERMINAL_STATUSES: readonly TaskStatus[] = ["succeeded", "failed", "cancelled"];

const LEGAL_MOVES: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  queued: ["running", "cancelled"],
  // A production deploy or restore stops after its plan until a second person decides.
  running: ["succeeded", "failed", "cancelled", "awaiting_approval"],
  // Approved: back in its lane's head to run the rest; rejected, expired or cancelled: done.
  awaiting_approval: ["queued", "cancelled"],
  failed: ["queued"],
  succeeded: [],
  cancelled: [],
};

/** Thrown when code asks for a status change the task model does not allow. */
export class IllegalTransitionError extends Error {
  readonly code = "illegal_transition";
  constructor(
    readonly from: TaskStatus,
    readonly to: TaskStatus,
  ) {
    super(`A task cannot move from ${from} to ${to}`);
    this.name = "IllegalTransitionError";
  }
}

export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return LEGAL_MOVES[from].includes(to);
}

/** Throws IllegalTransitionError unless `from -> to` is a legal move. */
export function assertTransition(from: TaskStatus, to: TaskStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

/** The statuses a task may be in for a move to `to` to be legal. */
export function sourcesOf(to: TaskStatus): TaskStatus[] {
  return TASK_STATUSES.filter((from) => canTransition(from, to));
}

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function isTaskStatus(value: string): value is TaskStatus {
  return (TASK_STATUSES as readonly string[]).includes(value);
}

const STATE_PHRASE: Partial<Record<string, string>> = {
  queued: "is queued",
  running: "is running",
  succeeded: "has succeeded",
  failed: "has failed",
  cancelled: "was cancelled",
};

/** "The task has succeeded", "The task is running": the status as a sentence people read. */
export function taskStateSentence(status: string): string {
  return `The task ${STATE_PHRASE[status] ?? `is ${status.replace(/_/g, " ")}`}`;
}
