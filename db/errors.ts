/** Base of every error the stores throw on purpose; `code` is stable and shows up in API problems. */
export class StoreError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "StoreError";
  }
}

export class NotFoundError extends StoreError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = "NotFoundError";
  }
}

export class ConflictError extends StoreError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = "ConflictError";
  }
}

/**
 * A write for a task whose lease (fencing token) another delivery has taken: the writer stalled past
 * its lease and the task runs elsewhere now, so the write is refused and the stale runner must stop.
 */
export class LeaseLostError extends StoreError {
  constructor(taskId: string) {
    super("lease_lost", `The delivery no longer holds the lease of task ${taskId}`);
    this.name = "LeaseLostError";
  }
}

/**
 * A write asked to happen only while no cancel was requested (`unlessCancelled`), and one was: nothing
 * was written, and the runner ends the task cancelled instead.
 */
export class CancelRequestedError extends StoreError {
  constructor(taskId: string) {
    super("cancel_requested", `A cancel was requested for task ${taskId}`);
    this.name = "CancelRequestedError";
  }
}
