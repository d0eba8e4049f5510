import type { Logger } from "../../../logger";
import type { QueueOptions, TaskQueue } from "../port";

// Placeholder until the BullMQ engine lands (issue #3); createQueue only reaches it with REDIS_URL set.
export async function createBullmqQueue(
  _options: QueueOptions & { redisUrl: string; prefix: string },
  _logger: Logger,
): Promise<TaskQueue> {
  throw new Error("The bullmq queue engine is not built yet");
}
