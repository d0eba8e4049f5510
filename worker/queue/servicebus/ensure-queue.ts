import { ServiceBusAdministrationClient } from "@azure/service-bus";

/** The management calls ensureServiceBusQueue makes. They need the Manage claim. */
export interface ServiceBusAdminLike {
  queueExists(queueName: string): Promise<boolean>;
  getQueue(queueName: string): Promise<{ requiresSession: boolean }>;
  createQueue(
    queueName: string,
    options: {
      requiresSession: true;
      requiresDuplicateDetection?: boolean;
      duplicateDetectionHistoryTimeWindow?: string;
    },
  ): Promise<unknown>;
}

/** The real management client for a connection string with the Manage claim. */
export function connectServiceBusAdmin(connectionString: string): ServiceBusAdminLike {
  return new ServiceBusAdministrationClient(connectionString);
}

export interface EnsureQueueOptions {
  /**
   * Turn on duplicate detection over this ISO 8601 window (e.g. "PT10M"). Off by default: with it on,
   * retrying a failed task inside the window re-sends the same messageId and Service Bus drops it
   * (the reconciler publishes it again once the window has passed).
   */
  duplicateDetectionWindow?: string;
}

/**
 * Creates the task queue with sessions when it is missing, and refuses a queue without sessions
 * (per-entity order would silently be lost). Needs a connection string with the Manage claim.
 */
export async function ensureServiceBusQueue(
  admin: ServiceBusAdminLike,
  queueName: string,
  options: EnsureQueueOptions = {},
): Promise<"created" | "exists"> {
  if (await admin.queueExists(queueName)) {
    const queue = await admin.getQueue(queueName);
    if (!queue.requiresSession) {
      throw new Error(
        `The Service Bus queue ${queueName} exists without sessions; recreate it with requiresSession: true`,
      );
    }
    return "exists";
  }
  await admin.createQueue(queueName, {
    requiresSession: true,
    ...(options.duplicateDetectionWindow
      ? {
          requiresDuplicateDetection: true,
          duplicateDetectionHistoryTimeWindow: options.duplicateDetectionWindow,
        }
      : {}),
  });
  return "created";
}
