import type { Logger } from "../../../logger";
import type { QueueOptions, TaskQueue } from "../port";

// Placeholder until the Service Bus engine lands (issue #3).
export async function createServiceBusQueue(
  _options: QueueOptions & { connectionString: string; queueName: string },
  _logger: Logger,
): Promise<TaskQueue> {
  throw new Error("The servicebus queue engine is not built yet");
}
