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
