import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One call the bot made to the Bot Connector. */
export interface ConnectorCall {
  method: "POST" | "PUT" | "GET";
  conversationId: string;
  /** POST: the activity replied to (if any); PUT: the activity replaced. */
  activityId: string | undefined;
  /** The id the connector answered with (POST) or the replaced id (PUT). */
  resultId: string | undefined;
  status: number;
  body: Record<string, unknown>;
  at: number;
}

export interface FakeConnector {
  url: string;
  calls: ConnectorCall[];
  /** Members the roster lookup knows, by user id (Teams answers email and UPN there). */
  members: Map<string, { email?: string; userPrincipalName?: string; name?: string }>;
  /** The next `times` PUTs answer `status` (with Retry-After seconds when given) instead of 200. */
  failUpdates(times: number, status: number, retryAfterSeconds?: number): void;
  /**
   * Sustained throttling, as Teams does to a noisy bot: for `forMs` (default a minute) every call
   * (send, update, roster lookup) answers 429 with `Retry-After: retryAfterSeconds` (default 3).
   */
  throttle(options?: { forMs?: number; retryAfterSeconds?: number }): void;
  /** Ends a throttle window early. */
  stopThrottling(): void;
  /** True while a throttle window is open. */
  throttling(): boolean;
  /** Successful PUTs of one message, in order. */
  updatesOf(activityId: string): ConnectorCall[];
  /** Resolves with the first recorded call matching `predicate` (waiting for it). */
  waitFor(predicate: (call: ConnectorCall) => boolean, timeoutMs?: number): Promise<ConnectorCall>;
  close(): Promise<void>;
}

/** A local HTTP server playing the Bot Connector: records every POST and PUT the bot makes. */
export async function startFakeConnector(): Promise<FakeConnector> {
  const calls: ConnectorCall[] = [];
  const members = new Map<string, { email?: string; userPrincipalName?: string; name?: string }>();
  const waiters: Array<{ predicate: (c: ConnectorCall) => boolean; resolve: (c: ConnectorCall) => void }> =
    [];
  let failures: Array<{ status: number; retryAfter?: number }> = [];
  let throttledUntil = 0;
  let throttleRetryAfter = 3;
  let next = 0;

  const record = (call: ConnectorCall) => {
    calls.push(call);
    for (const w of [...waiters]) {
      if (w.predicate(call)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(call);
      }
    }
  };

  const server: Server = createServer(async (req, res) => {
    const body = await readJson(req);
    const url = new URL(req.url ?? "/", "http://local");
    const match = /^\/v3\/conversations\/([^/]+)\/(activities|members)(?:\/([^/]+))?$/.exec(url.pathname);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(payload));
    };
    if (!match?.[1]) return send(404, { error: { code: "NotFound", message: url.pathname } });
    const conversationId = decodeURIComponent(match[1]);
    const tail = match[3] ? decodeURIComponent(match[3]) : undefined;
    if (Date.now() < throttledUntil) {
      const method = (req.method ?? "GET") as ConnectorCall["method"];
      record({
        method,
        conversationId,
        activityId: tail,
        resultId: undefined,
        status: 429,
        body,
        at: Date.now(),
      });
      return send(
        429,
        { error: { code: "Throttled", message: "Too many requests" } },
        { "retry-after": String(throttleRetryAfter) },
      );
    }
    if (match[2] === "members" && req.method === "GET") {
      const member = tail ? members.get(tail) : undefined;
      if (!member) return send(404, { error: { code: "MemberNotFound", message: "unknown member" } });
      return send(200, { id: tail, ...member });
    }
    if (req.method === "POST") {
      const id = `act-${++next}`;
      record({
        method: "POST",
        conversationId,
        activityId: tail,
        resultId: id,
        status: 200,
        body,
        at: Date.now(),
      });
      return send(200, { id });
    }
    if (req.method === "PUT" && tail) {
      const failure = failures.shift();
      if (failure) {
        record({
          method: "PUT",
          conversationId,
          activityId: tail,
          resultId: undefined,
          status: failure.status,
          body,
          at: Date.now(),
        });
        const headers: Record<string, string> =
          failure.retryAfter === undefined ? {} : { "retry-after": String(failure.retryAfter) };
        return send(failure.status, { error: { code: "Throttled", message: "slow down" } }, headers);
      }
      record({
        method: "PUT",
        conversationId,
        activityId: tail,
        resultId: tail,
        status: 200,
        body,
        at: Date.now(),
      });
      return send(200, { id: tail });
    }
    return send(405, { error: { code: "MethodNotAllowed", message: req.method ?? "" } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    members,
    failUpdates(times, status, retryAfterSeconds) {
      failures = Array.from({ length: times }, () => ({ status, retryAfter: retryAfterSeconds }));
    },
    throttle(options = {}) {
      throttledUntil = Date.now() + (options.forMs ?? 60_000);
      throttleRetryAfter = options.retryAfterSeconds ?? 3;
    },
    stopThrottling() {
      throttledUntil = 0;
    },
    throttling: () => Date.now() < throttledUntil,
    updatesOf(activityId) {
      return calls.filter((c) => c.method === "PUT" && c.activityId === activityId && c.status === 200);
    },
    waitFor(predicate, timeoutMs = 15_000) {
      const found = calls.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve };
        waiters.push(waiter);
        setTimeout(() => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) {
            waiters.splice(i, 1);
            reject(
              new Error(`no connector call matched within ${timeoutMs} ms (${calls.length} calls recorded)`),
            );
          }
        }, timeoutMs).unref();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { raw: text };
  }
}
