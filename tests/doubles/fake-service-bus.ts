import { ServiceBusError, type ServiceBusErrorCode } from "@azure/service-bus";
import type { ServiceBusAdminLike } from "../../worker/queue/servicebus/ensure-queue";
import type {
  AcceptOptions,
  IncomingMessage,
  OutgoingMessage,
  ServiceBusClientLike,
  ServiceBusConnect,
  SessionReceiverLike,
} from "../../worker/queue/servicebus/sdk";

/**
 * An in-memory Service Bus namespace for tests, with the session semantics the engine relies on:
 * a session is held by at most one receiver; messages of a session come in send order; a received
 * message stays locked until completed, abandoned (delivery count + 1, back at its place) or its
 * session is closed or its lock lost; acceptNextSession throws ServiceTimeout when no session with
 * messages is free. It also lets a test inject SDK errors and lose a session lock.
 */

interface Stored {
  body: unknown;
  applicationProperties?: Record<string, string>;
  messageId: string;
  sessionId: string;
  sequence: number;
  deliveryCount: number;
  lockedBy: FakeReceiver | null;
}

interface FakeSession {
  id: string;
  messages: Stored[];
  holder: FakeReceiver | null;
  /** When the session was last released; the least recently served free session is handed out next. */
  releasedAt: number;
}

interface FakeQueue {
  requiresSession: boolean;
  sessions: Map<string, FakeSession>;
  deadLetters: Array<{ body: unknown; messageId: string; reason: string }>;
}

interface FakeReceiver extends SessionReceiverLike {
  state: "open" | "closed" | "lost";
}

export type FakeOperation = "acceptNextSession" | "receiveMessages" | "completeMessage" | "sendMessages";

export interface FakeServiceBusOptions {
  /** How long acceptNextSession waits for a free session before ServiceTimeout (the SDK: 60 s). */
  acceptTimeoutMs?: number;
  /** The queue's MaxDeliveryCount: an abandon past it dead-letters the message. */
  maxDeliveryCount?: number;
}

export function serviceBusError(code: ServiceBusErrorCode): ServiceBusError {
  return new ServiceBusError(`fake: ${code}`, code);
}

function abortError(): Error {
  const error = new Error("The operation was aborted.");
  error.name = "AbortError";
  return error;
}

export function createFakeServiceBus(options: FakeServiceBusOptions = {}) {
  const acceptTimeoutMs = options.acceptTimeoutMs ?? 25;
  const maxDeliveryCount = options.maxDeliveryCount ?? 10;
  const queues = new Map<string, FakeQueue>();
  const faults = new Map<FakeOperation, Error[]>();
  const waiters = new Set<() => void>();
  const received = new WeakMap<IncomingMessage, Stored>();
  const sent: OutgoingMessage[] = [];
  const accepts: Array<{ queueName: string; sessionId: string; options: AcceptOptions }> = [];
  const connectionStrings: string[] = [];
  let sequence = 0;
  let clock = 0;
  let openReceivers = 0;
  let peakReceivers = 0;
  let clientClosed = false;
  let senderClosed = false;
  let unreachable = false;

  const notify = () => {
    for (const wake of [...waiters]) wake();
  };

  function injected(op: FakeOperation): void {
    const error = faults.get(op)?.shift();
    if (error) throw error;
  }

  function queueOf(name: string): FakeQueue {
    const queue = queues.get(name);
    if (!queue) throw serviceBusError("MessagingEntityNotFound");
    return queue;
  }

  /** Re-evaluates `check` on every state change until it yields a value, the time is up, or abort. */
  async function waitFor<T>(
    check: () => T | null,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<T | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (signal?.aborted) throw abortError();
      const value = check();
      if (value !== null) return value;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          signal?.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, left);
        waiters.add(done);
        signal?.addEventListener("abort", done, { once: true });
      });
    }
  }

  /** Unlocks what `receiver` holds; each unsettled message counts one more delivery. */
  function release(session: FakeSession, receiver: FakeReceiver): void {
    for (const message of session.messages) {
      if (message.lockedBy === receiver) {
        message.lockedBy = null;
        message.deliveryCount++;
      }
    }
    if (session.holder === receiver) {
      session.holder = null;
      session.releasedAt = ++clock;
      openReceivers--;
    }
    notify();
  }

  function settle(receiver: FakeReceiver, message: IncomingMessage): Stored {
    if (receiver.state === "lost") throw serviceBusError("SessionLockLost");
    if (receiver.state === "closed") throw new Error("fake: the receiver is closed");
    const stored = received.get(message);
    if (!stored || stored.lockedBy !== receiver) throw serviceBusError("MessageLockLost");
    return stored;
  }

  function remove(queue: FakeQueue, session: FakeSession, stored: Stored): void {
    session.messages.splice(session.messages.indexOf(stored), 1);
    if (session.messages.length === 0 && !session.holder) queue.sessions.delete(session.id);
  }

  function openReceiver(queue: FakeQueue, session: FakeSession): FakeReceiver {
    const receiver: FakeReceiver = {
      state: "open",
      sessionId: session.id,
      async receiveMessages(max, opts = {}) {
        if (receiver.state === "lost") throw serviceBusError("SessionLockLost");
        if (receiver.state === "closed") throw new Error("fake: the receiver is closed");
        injected("receiveMessages");
        const batch = await waitFor(
          () => {
            if (receiver.state !== "open") throw serviceBusError("SessionLockLost");
            const free = session.messages.filter((m) => !m.lockedBy).slice(0, max);
            for (const stored of free) stored.lockedBy = receiver; // locked in the tick they are found
            return free.length > 0 ? free : null;
          },
          opts.maxWaitTimeInMs ?? 60_000,
          opts.abortSignal,
        );
        return (batch ?? []).map((stored) => {
          const message: IncomingMessage = {
            body: structuredClone(stored.body),
            messageId: stored.messageId,
            sessionId: stored.sessionId,
            deliveryCount: stored.deliveryCount,
            ...(stored.applicationProperties
              ? { applicationProperties: { ...stored.applicationProperties } }
              : {}),
          };
          received.set(message, stored);
          return message;
        });
      },
      async completeMessage(message) {
        injected("completeMessage");
        remove(queue, session, settle(receiver, message));
        notify();
      },
      async abandonMessage(message) {
        const stored = settle(receiver, message);
        stored.lockedBy = null;
        stored.deliveryCount++;
        if (stored.deliveryCount >= maxDeliveryCount) {
          remove(queue, session, stored);
          queue.deadLetters.push({
            body: stored.body,
            messageId: stored.messageId,
            reason: "MaxDeliveryCountExceeded",
          });
        }
        notify();
      },
      async deadLetterMessage(message, opts) {
        const stored = settle(receiver, message);
        remove(queue, session, stored);
        queue.deadLetters.push({
          body: stored.body,
          messageId: stored.messageId,
          reason: opts?.deadLetterReason ?? "",
        });
        notify();
      },
      async close() {
        if (receiver.state === "open") release(session, receiver);
        receiver.state = "closed";
        if (session.messages.length === 0 && !session.holder) queue.sessions.delete(session.id);
      },
    };
    return receiver;
  }

  function store(
    queueName: string,
    message: {
      body: unknown;
      sessionId: string;
      messageId: string;
      applicationProperties?: Record<string, string>;
    },
  ): void {
    const queue = queueOf(queueName);
    if (queue.requiresSession && !message.sessionId) throw serviceBusError("GeneralError");
    let session = queue.sessions.get(message.sessionId);
    if (!session) {
      session = { id: message.sessionId, messages: [], holder: null, releasedAt: 0 };
      queue.sessions.set(message.sessionId, session);
    }
    session.messages.push({
      body: structuredClone(message.body),
      ...(message.applicationProperties
        ? { applicationProperties: { ...message.applicationProperties } }
        : {}),
      messageId: message.messageId,
      sessionId: message.sessionId,
      sequence: ++sequence,
      deliveryCount: 0,
      lockedBy: null,
    });
    notify();
  }

  const client: ServiceBusClientLike = {
    createSender(queueName) {
      const sender = {
        linkOpen: false,
        /** Like the SDK: opens the link when it is not open (reaching the broker), else answers locally. */
        async createMessageBatch(opts?: { abortSignal?: AbortSignal }) {
          if (clientClosed) throw new Error("fake: the client is closed");
          if (sender.linkOpen && !unreachable) return { maxSizeInBytes: 262_144 };
          if (unreachable) {
            await waitFor(() => null, 60_000, opts?.abortSignal);
            throw serviceBusError("ServiceCommunicationProblem");
          }
          queueOf(queueName);
          sender.linkOpen = true;
          return { maxSizeInBytes: 262_144 };
        },
        async sendMessages(message: OutgoingMessage) {
          if (clientClosed) throw new Error("fake: the client is closed");
          injected("sendMessages");
          store(queueName, message);
          sent.push(structuredClone(message));
        },
        async close() {
          senderClosed = true;
        },
      };
      return sender;
    },

    async acceptNextSession(queueName, opts) {
      if (clientClosed) throw new Error("fake: the client is closed");
      injected("acceptNextSession");
      const queue = queueOf(queueName);
      // The session is claimed inside the check, in the same tick it is found free, so two waiting
      // accepts can never both get it (one receiver per session).
      const receiver = await waitFor(
        () => {
          const free = [...queue.sessions.values()].filter(
            (s) => !s.holder && s.messages.some((m) => !m.lockedBy),
          );
          free.sort(
            (a, b) =>
              a.releasedAt - b.releasedAt || (a.messages[0]?.sequence ?? 0) - (b.messages[0]?.sequence ?? 0),
          );
          const session = free[0];
          if (!session) return null;
          const claimed = openReceiver(queue, session);
          session.holder = claimed;
          openReceivers++;
          peakReceivers = Math.max(peakReceivers, openReceivers);
          accepts.push({ queueName, sessionId: session.id, options: { ...opts, abortSignal: undefined } });
          return claimed;
        },
        acceptTimeoutMs,
        opts.abortSignal,
      );
      if (!receiver) throw serviceBusError("ServiceTimeout");
      return receiver;
    },

    async close() {
      clientClosed = true;
      for (const queue of queues.values())
        for (const session of queue.sessions.values()) if (session.holder) release(session, session.holder);
    },
  };

  const admin: ServiceBusAdminLike = {
    async queueExists(queueName) {
      return queues.has(queueName);
    },
    async getQueue(queueName) {
      return { requiresSession: queueOf(queueName).requiresSession };
    },
    async createQueue(queueName, opts) {
      if (queues.has(queueName)) throw serviceBusError("MessagingEntityAlreadyExists");
      queues.set(queueName, { requiresSession: opts.requiresSession, sessions: new Map(), deadLetters: [] });
      return { name: queueName };
    },
  };

  const connect: ServiceBusConnect = (connectionString) => {
    connectionStrings.push(connectionString);
    return client;
  };

  return {
    connect,
    client,
    admin,
    /** Creates a queue as an operator would (sessions on unless told otherwise). */
    addQueue(name: string, requiresSession = true): void {
      queues.set(name, { requiresSession, sessions: new Map(), deadLetters: [] });
    },
    /** Makes the next call of `op` fail with `error` (several calls queue up). */
    failNext(op: FakeOperation, error: Error): void {
      faults.set(op, [...(faults.get(op) ?? []), error]);
    },
    /** The session lock expires under its holder: its unsettled messages go back, it gets SessionLockLost. */
    loseSessionLock(queueName: string, sessionId: string): boolean {
      const session = queueOf(queueName).sessions.get(sessionId);
      const holder = session?.holder;
      if (!session || !holder) return false;
      holder.state = "lost";
      release(session, holder);
      return true;
    },
    /** Sends a message as any other producer could, whatever its body. */
    sendRaw(queueName: string, message: { body: unknown; sessionId: string; messageId: string }): void {
      store(queueName, message);
    },
    /** The namespace drops off the network: the SDK closes its links, and opening one hangs. */
    setUnreachable(value: boolean): void {
      unreachable = value;
    },
    /** Task ids still in the queue, per session, in order. */
    pending(queueName: string): Record<string, string[]> {
      const out: Record<string, string[]> = {};
      for (const session of queueOf(queueName).sessions.values())
        if (session.messages.length > 0) out[session.id] = session.messages.map((m) => m.messageId);
      return out;
    },
    deadLetters: (queueName: string) => queueOf(queueName).deadLetters,
    sent,
    accepts,
    connectionStrings,
    get openReceivers() {
      return openReceivers;
    },
    get peakReceivers() {
      return peakReceivers;
    },
    get clientClosed() {
      return clientClosed;
    },
    get senderClosed() {
      return senderClosed;
    },
  };
}

export type FakeServiceBus = ReturnType<typeof createFakeServiceBus>;
