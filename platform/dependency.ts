/**
 * A service the request needs (Redis, the database) cannot be reached right now. The API answers 503
 * `dependency_unavailable` with Retry-After; nothing was changed.
 */
export class DependencyUnavailableError extends Error {
  readonly code = "dependency_unavailable";
  constructor(
    readonly dependency: "redis" | "database",
    readonly retryAfterSeconds = 5,
  ) {
    super(`${dependency === "redis" ? "Redis" : "The database"} cannot be reached right now`);
    this.name = "DependencyUnavailableError";
  }
}

// ioredis: the per-request retry limit or command timeout of a `request` connection gave up, or the
// socket is gone. Node sockets: the server refused, reset or timed out. pg: the pool could not connect
// or the server ended the connection (57P01 admin shutdown, 57P03 cannot connect now, 08xxx connection).
const CONNECTION_MESSAGE =
  /max retries per request|Command timed out|Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|Connection terminated|connection timeout|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|terminating connection/i;
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "57P01",
  "57P03",
]);

/** Whether `error` (or its cause) says a network dependency is down rather than that the request is wrong. */
export function isConnectionError(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 4) return false;
  if (error instanceof DependencyUnavailableError) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (CONNECTION_CODES.has(code) || code.startsWith("08"))) return true;
  if (error.name === "MaxRetriesPerRequestError") return true;
  if (CONNECTION_MESSAGE.test(error.message)) return true;
  // AggregateError (several addresses refused) and drizzle's wrapped query errors carry the reason inside.
  const inner = error instanceof AggregateError ? error.errors : [error.cause];
  return inner.some((e) => isConnectionError(e, depth + 1));
}

/** Rethrows a connection failure of `dependency` as DependencyUnavailableError, anything else as is. */
export function asUnavailable(dependency: "redis" | "database") {
  return (error: unknown): never => {
    if (isConnectionError(error) && !(error instanceof DependencyUnavailableError)) {
      throw new DependencyUnavailableError(dependency);
    }
    throw error;
  };
}

// What only ioredis says (a `request` connection giving up); anything else that is a connection
// failure on a request path is the database's (the pg pool).
const REDIS_MESSAGE =
  /max retries per request|Command timed out|Connection is closed|Stream isn't writeable/i;

/** Which dependency a connection failure belongs to. */
export function dependencyOf(error: unknown): "redis" | "database" {
  if (error instanceof DependencyUnavailableError) return error.dependency;
  if (
    error instanceof Error &&
    (error.name === "MaxRetriesPerRequestError" || REDIS_MESSAGE.test(error.message))
  )
    return "redis";
  return "database";
}
