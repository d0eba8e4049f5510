/** A failure no retry can fix (bad input, missing artifact): the task goes straight to the dead letters. */
export class PermanentError extends Error {
  readonly permanent = true;
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "PermanentError";
  }
}

/** A failure worth retrying (timeouts, throttling, a flaky dependency). */
export class TransientError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "TransientError";
  }
}

/** Thrown at a checkpoint once the task's AbortSignal fired. */
export class AbortedError extends Error {
  readonly code = "aborted";
  constructor(readonly reason: string) {
    super(`Stopped: ${reason}`);
    this.name = "AbortedError";
  }
}

export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "handler_error";
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
