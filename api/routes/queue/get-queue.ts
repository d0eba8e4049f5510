import { createRoute } from "@hono/zod-openapi";
import { QueueSchema } from "../../../contracts/operations";
import { MAX_PAGE_SIZE } from "../../../domain/model/limits";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { errorResponses } from "../shared";
import { withApprovalBlocks } from "./approval-blocks";

export const route = createRoute({
  method: "get",
  path: "/api/queue",
  operationId: "getQueue",
  tags: ["Tasks"],
  summary: "Queue depth and the running task of each entity (role viewer)",
  responses: {
    200: {
      description: "The queue",
      content: {
        "application/json": {
          schema: QueueSchema,
          example: {
            engine: "memory",
            depth: 2,
            entities: [
              {
                entityId: "azure-postgres/orders",
                depth: 2,
                runningTaskId: "tsk_01jd2x5k8m0000abcdefghjkmn",
                pendingTaskIds: ["tsk_01jd2x5k9n0000abcdefghjkmn"],
                blockedBy: null,
              },
            ],
            tasksByStatus: { queued: 1, running: 1, succeeded: 40, failed: 2, cancelled: 0 },
          },
        },
      },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.read("viewer") }, async (c) => {
    const [snapshot, tasksByStatus, parked] = await Promise.all([
      kit.deps.queue.snapshot(),
      kit.deps.stores.tasks.countByStatus(),
      kit.deps.stores.tasks.list({ status: "awaiting_approval", limit: MAX_PAGE_SIZE }),
    ]);
    const entities = withApprovalBlocks(snapshot, parked.items);
    return c.json(
      {
        engine: kit.deps.queue.kind,
        depth: entities.reduce((n, e) => n + e.depth, 0),
        entities,
        tasksByStatus,
      },
      200,
    );
  });
}
