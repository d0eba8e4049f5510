import { isServiceBusError, ServiceBusClient } from "@azure/service-bus";

/**
 * The exact slice of @azure/service-bus the engine uses. The real SDK objects satisfy these
 * interfaces structurally; tests pass an in-memory fake with the same session semantics
 * (no Service Bus namespace is reachable from CI).
 */

/** What the engine sends: `sessionId` = entity, `messageId` = task id, body = the queue item. */
export interface OutgoingMessage {
  body: { taskId: string; entityId: string };
  sessionId: string;
  messageId: string;
  contentType: string;
  subject: string;
  /** `traceparent`: the W3C trace context of the span that queued the task. */
  applicationProperties?: Record<string, string>;
}

/** The fields of a received message the engine reads. */
export interface IncomingMessage {
  body: unknown;
  messageId?: string | number | Buffer;
  sessionId?: string;
  /** Prior delivery attempts recorded by the broker (0 on the first receive). */
  deliveryCount?: number;
  applicationProperties?: Record<string, unknown>;
}

export interface SenderLike {
  sendMessages(message: OutgoingMessage, options?: { abortSignal?: AbortSignal }): Promise<void>;
  /** Opens the sender link if it is not open (the engine's ping); local once the link is up. */
  createMessageBatch(options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  close(): Promise<void>;
}

export interface SessionReceiverLike {
  readonly sessionId: string;
  receiveMessages(
    maxMessageCount: number,
    options?: { maxWaitTimeInMs?: number; abortSignal?: AbortSignal },
  ): Promise<IncomingMessage[]>;
  completeMessage(message: IncomingMessage): Promise<void>;
  abandonMessage(message: IncomingMessage): Promise<void>;
  deadLetterMessage(
    message: IncomingMessage,
    options?: { deadLetterReason: string; deadLetterErrorDescription: string },
  ): Promise<void>;
  close(): Promise<void>;
}

export interface AcceptOptions {
  receiveMode: "peekLock";
  maxAutoLockRenewalDurationInMs: number;
  abortSignal?: AbortSignal;
}

export interface ServiceBusClientLike {
  createSender(queueName: string): SenderLike;
  acceptNextSession(queueName: string, options: AcceptOptions): Promise<SessionReceiverLike>;
  close(): Promise<void>;
}

/** Opens the client for a connection string; the seam tests replace. */
export type ServiceBusConnect = (connectionString: string) => ServiceBusClientLike;

/** Production connector: the real SDK client (it connects lazily, on first use). */
export const connectServiceBus: ServiceBusConnect = (connectionString) =>
  new ServiceBusClient(connectionString);

export type ServiceBusCode =
  | "ServiceTimeout"
  | "SessionLockLost"
  | "SessionCannotBeLocked"
  | "MessageLockLost"
  | "MessagingEntityNotFound"
  | "UnauthorizedAccess";

/** True when `error` is a Service Bus error with this code. */
export function hasCode(error: unknown, code: ServiceBusCode): boolean {
  return isServiceBusError(error) && error.code === code;
}

/** Errors no retry loop can fix: a missing queue or a connection string without the right claim. */
export function isConfigurationError(error: unknown): boolean {
  return hasCode(error, "MessagingEntityNotFound") || hasCode(error, "UnauthorizedAccess");
}
