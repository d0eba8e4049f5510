import type { QueueKind, QueueOptions, TaskQueue } from "../../domain/queue-port";
import type { Logger } from "../../platform/logger";
import { createMemoryQueue } from "./memory-engine";
import type { ServiceBusConnect } from "./servicebus/sdk";

export interface QueueConfig extends QueueOptions {
  engine: QueueKind;
  redisUrl?: string | undefined;
  /** Namespace for every Redis key and BullMQ queue name of this deployment (tests use a unique one). */
  prefix: string;
  serviceBusConnectionString?: string | undefined;
  serviceBusQueue?: string;
  /** BullMQ job lock and stalled-check period (default 10 s / 5 s; tests of stalled workers shorten them). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Replaces the real Service Bus clients (tests inject an in-memory namespace). */
  serviceBusConnect?: ServiceBusConnect;
}

/** Picks the engine named by configuration. */
export async function createQueue(config: QueueConfig, logger: Logger): Promise<TaskQueue> {
  const options = {
    maxConcurrentSessions: config.maxConcurrentSessions,
    maxMessagesPerSession: config.maxMessagesPerSession,
  };
  switch (config.engine) {
    case "memory":
      return createMemoryQueue(options, logger);
    case "bullmq": {
      if (!config.redisUrl) throw new Error("The bullmq engine needs REDIS_URL");
      const { createBullmqQueue } = await import("./bullmq/bullmq-engine");
      return createBullmqQueue(
        {
          ...options,
          redisUrl: config.redisUrl,
          prefix: config.prefix,
          lockDurationMs: config.lockDurationMs,
          stalledIntervalMs: config.stalledIntervalMs,
        },
        logger,
      );
    }
    case "servicebus": {
      if (!config.serviceBusConnectionString)
        throw new Error("The servicebus engine needs AZURE_SERVICEBUS_CONNECTION_STRING");
      const { createServiceBusQueue } = await import("./servicebus/servicebus-engine");
      return createServiceBusQueue(
        {
          ...options,
          connectionString: config.serviceBusConnectionString,
          queueName: config.serviceBusQueue ?? "cloudops-tasks",
          connect: config.serviceBusConnect,
        },
        logger,
      );
    }
  }
}
