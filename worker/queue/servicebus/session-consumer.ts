import { ABORT_REASON, type Processor, type ProcessResult, type QueueItem } from "../../../domain/queue-port";
import { backoffDelay } from "../../../platform/backoff";
import type { Logger } from "../../../platform/logger";
import type { BoundedSet } from "./bounded-set";
import {
  hasCode,
  type IncomingMessage,
  isConfigurationError,
  type ServiceBusClientLike,
  type SessionReceiverLike,
} from "./sdk";

/** A delivery running (or waiting for its retry) in this process. */
export interface LocalDelivery {
  item: QueueItem;
  /** Set while the processor runs; aborted on cancel ("cancelled") or shutdown ("shutdown"). */
  controller: AbortController | null;
  /** Set while the item waits for its retry: "cancel" delivers again now, "stop" hands it back. */
  wake: ((why: "cancel" | "stop") => void) | null;
  /** True once the task was sent again while this delivery runs (engine.enqueue): that message is still out. */
  requeued: boolean;
}

export interface ConsumerDeps {
  client: ServiceBusClientLike;
  queueName: string;
  processor: Processor;
  logger: Logger;
  maxConcurrentSessions: number;
  maxMessagesPerSession: number;
  /** A session with no new message for this long is closed so the loop can take another entity. */
  sessionIdleMs: number;
  maxAutoLockRenewalDurationInMs: number;
  errorBackoff: { baseMs: number; maxMs: number };
  random: () => number;
  /** Shared with the engine facade: `abort`, `has` and `positionOf` read it. */
  active: Map<string, LocalDelivery>;
  removed: BoundedSet;
  sent: BoundedSet;
}

export interface Consumer {
  /** Stops accepting sessions; running deliveries get `graceMs`, then are aborted with "shutdown". */
  stop(graceMs: number): Promise<void>;
}

type Outcome = "next" | "release";

/**
 * N = maxConcurrentSessions loops, each: accept the next free session (one entity), receive its
 * messages one at a time in order until it is idle or maxMessagesPerSession ran, close it, repeat.
 * Service Bus guarantees one receiver per session, so an entity never runs twice at once, even
 * across processes; the session lock is renewed by the SDK while a delivery runs.
 */
export function startConsumer(deps: ConsumerDeps): Consumer {
  const { client, queueName, logger, active } = deps;
  const halt = new AbortController(); // cancels pending accept/receive calls and backoff sleeps
  let stopping = false;

  async function consumeLoop(loop: number): Promise<void> {
    const log = logger.child({ loop });
    let failures = 0;
    while (!stopping) {
      let receiver: SessionReceiverLike;
      try {
        receiver = await client.acceptNextSession(queueName, {
          receiveMode: "peekLock",
          maxAutoLockRenewalDurationInMs: deps.maxAutoLockRenewalDurationInMs,
          abortSignal: halt.signal,
        });
      } catch (error) {
        if (stopping) break;
        if (hasCode(error, "ServiceTimeout")) {
          // No session with messages is free: the SDK already waited its operation timeout. Yield to
          // the event loop so a broker (or fake) answering at once cannot starve timers.
          failures = 0;
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        failures++;
        logFailure(log, "accepting a session failed", error, failures);
        await sleep(backoff(failures), halt.signal);
        continue;
      }
      let failure: { error: unknown } | null = null;
      try {
        await drainSession(receiver);
        failures = 0;
      } catch (error) {
        failure = { error };
      }
      // Close before any backoff: the entity must not stay locked while this loop waits.
      await receiver.close().catch((error: unknown) => log.debug("closing a session failed", { error }));
      if (failure && !stopping) {
        failures++;
        logFailure(log, "session ended by an error", failure.error, failures, receiver.sessionId);
        await sleep(backoff(failures), halt.signal);
      }
    }
  }

  async function drainSession(receiver: SessionReceiverLike): Promise<void> {
    for (let count = 0; count < deps.maxMessagesPerSession && !stopping; count++) {
      const [message] = await receiver.receiveMessages(1, {
        maxWaitTimeInMs: deps.sessionIdleMs,
        abortSignal: halt.signal,
      });
      if (!message) return; // idle: free this loop for another entity
      if ((await deliver(receiver, message)) === "release") return;
    }
    // maxMessagesPerSession reached (or stopping): closing the session lets other entities get a turn.
  }

  async function deliver(receiver: SessionReceiverLike, message: IncomingMessage): Promise<Outcome> {
    const item = readItem(message);
    if (!item) {
      logger.error("dead-lettering a message that is not a task item", { sessionId: receiver.sessionId });
      await receiver.deadLetterMessage(message, {
        deadLetterReason: "invalid_body",
        deadLetterErrorDescription: "Expected a JSON body {taskId, entityId}",
      });
      return "next";
    }
    if (deps.removed.has(item.taskId)) {
      // Removed while waiting (see engine.remove): drop it without running it.
      deps.removed.delete(item.taskId);
      await receiver.completeMessage(message);
      deps.sent.delete(item.taskId);
      return "next";
    }
    const local: LocalDelivery = { item, controller: null, wake: null, requeued: false };
    active.set(item.taskId, local);
    try {
      return await runUntilSettled(receiver, message, local);
    } finally {
      active.delete(item.taskId);
    }
  }

  /**
   * Retry keeps the session and the message locked and delivers the same message again after the
   * delay, instead of abandoning and re-receiving it. Both keep order (nobody else can take a locked
   * session), but every abandon counts towards the queue's MaxDeliveryCount, and the broker would
   * dead-letter a task behind the runner's back after a few retries. Holding the lock costs nothing:
   * the SDK renews the session lock for up to maxAutoLockRenewalDurationInMs.
   */
  async function runUntilSettled(
    receiver: SessionReceiverLike,
    message: IncomingMessage,
    local: LocalDelivery,
  ): Promise<Outcome> {
    for (let redelivery = 0; ; redelivery++) {
      const controller = new AbortController();
      local.controller = controller;
      const result = await runProcessor(local.item, controller.signal, firstCount(message) + redelivery);
      local.controller = null;
      if (result.kind === "done") {
        await receiver.completeMessage(message);
        if (!local.requeued) deps.sent.delete(local.item.taskId);
        return "next";
      }
      if (result.kind === "release" || stopping || (await waitForRetry(local, result.delayMs)) === "stop") {
        // Handing back: another receiver (maybe in another process) takes the session and the message.
        await receiver.abandonMessage(message);
        return "release";
      }
    }
  }

  async function runProcessor(
    item: QueueItem,
    signal: AbortSignal,
    deliveryCount: number,
  ): Promise<ProcessResult> {
    try {
      return await deps.processor({ ...item, deliveryCount, signal });
    } catch (error) {
      // The processor handles its own failures; reaching here is a bug, so back off and redeliver.
      logger.error("queue processor threw", { taskId: item.taskId, error });
      return { kind: "retry", delayMs: 1000 };
    }
  }

  function waitForRetry(local: LocalDelivery, delayMs: number): Promise<"elapsed" | "cancel" | "stop"> {
    return new Promise((resolve) => {
      const finish = (why: "elapsed" | "cancel" | "stop") => {
        clearTimeout(timer);
        local.wake = null;
        resolve(why);
      };
      const timer = setTimeout(() => finish("elapsed"), delayMs);
      local.wake = finish;
    });
  }

  function backoff(failures: number): number {
    const { baseMs, maxMs } = deps.errorBackoff;
    return backoffDelay(failures, { baseDelayMs: baseMs, maxDelayMs: maxMs }, deps.random);
  }

  function logFailure(log: Logger, msg: string, error: unknown, failures: number, sessionId?: string): void {
    const fields = { error, failures, sessionId };
    // SessionLockLost / SessionCannotBeLocked: another receiver has (or took) the session, and an
    // unsettled message is redelivered there; busy or network errors pass. Both only need a backoff.
    if (isConfigurationError(error)) {
      log.error(
        `${msg}: check that the queue exists with sessions and the connection string may listen`,
        fields,
      );
    } else {
      log.warn(msg, fields);
    }
  }

  const loops = Array.from({ length: deps.maxConcurrentSessions }, (_, i) => consumeLoop(i));

  return {
    async stop(graceMs) {
      stopping = true;
      halt.abort();
      for (const local of active.values()) local.wake?.("stop");
      const timer = setTimeout(() => {
        for (const local of active.values()) local.controller?.abort(ABORT_REASON.shutdown);
      }, graceMs);
      await Promise.all(loops);
      clearTimeout(timer);
    },
  };
}

/** Broker delivery count is the number of prior attempts (0 on the first receive); ours starts at 1. */
function firstCount(message: IncomingMessage): number {
  return (message.deliveryCount ?? 0) + 1;
}

function readItem(message: IncomingMessage): QueueItem | null {
  const body = message.body;
  if (typeof body !== "object" || body === null) return null;
  const { taskId, entityId } = body as Record<string, unknown>;
  if (typeof taskId !== "string" || typeof entityId !== "string") return null;
  const traceparent = message.applicationProperties?.traceparent;
  return typeof traceparent === "string" ? { taskId, entityId, traceparent } : { taskId, entityId };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
