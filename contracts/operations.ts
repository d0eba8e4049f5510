import { z } from "@hono/zod-openapi";
import { TASK_STATUSES } from "../domain/model/task-status";
import { dnsLabel } from "./common";

// The service-wide answers: health, the queue, and the Kubernetes workload a restart names.

export const HealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]),
    version: z.string().openapi({ example: "0.1.0" }),
    db: z.enum(["sqlite", "postgres"]),
    queue: z.enum(["memory", "bullmq", "servicebus"]),
    role: z.enum(["all", "api", "worker", "bot"]),
    demoMode: z.boolean(),
    uptimeSeconds: z.number().int().nonnegative(),
    /** While degraded (answered with 503): the dependencies that cannot be reached. */
    failing: z
      .array(z.enum(["database", "redis", "queue"]))
      .optional()
      .openapi({ example: ["redis"] }),
  })
  .openapi("Health");

export const QueueSchema = z
  .object({
    engine: z.enum(["memory", "bullmq", "servicebus"]),
    depth: z.number().int().openapi({ description: "Items not finished, running ones included" }),
    entities: z.array(
      z.object({
        entityId: z.string().openapi({ example: "azure-postgres/orders" }),
        depth: z.number().int(),
        runningTaskId: z.string().nullable(),
        pendingTaskIds: z.array(z.string()),
        blockedBy: z
          .object({
            taskId: z.string(),
            reason: z.literal("awaiting approval"),
            requestedBy: z.string(),
            expiresAt: z.string(),
          })
          .nullable()
          .optional()
          .openapi({
            description:
              "Why the entity's lane does not move: its head task waits for a second person's approval",
          }),
      }),
    ),
    tasksByStatus: z.record(z.enum(TASK_STATUSES), z.number().int()),
  })
  .openapi("QueueState");

/** The namespace and name of the workload POST /api/k8s/workloads/{ns}/{name}:restart restarts. */
export const WorkloadParams = z.object({ ns: dnsLabel("shop"), name: dnsLabel("web") });

export type Health = z.infer<typeof HealthSchema>;
export type QueueState = z.infer<typeof QueueSchema>;
export type WorkloadParams = z.infer<typeof WorkloadParams>;
