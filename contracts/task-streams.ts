import { z } from "@hono/zod-openapi";
import type { TaskEvent } from "../domain/model/events";
import type { TaskStatus } from "../domain/model/task-status";

// The SSE streams of tasks (GET /api/tasks/{id}/sse and /api/tasks/sse): how a client resumes, and
// what the `data:` of each message holds.

const position = z.string().regex(/^\d{1,15}$/, "must be a whole number");

export const ResumeHeaders = z.object({
  "last-event-id": position.optional().openapi({
    description: "Resume after this event id (browsers send it on reconnect); nothing is repeated or skipped",
    example: "12",
  }),
});

export const ResumeQuery = z.object({
  lastEventId: position.optional().openapi({
    description: "Same as the Last-Event-ID header, for clients that cannot set headers on the first connect",
  }),
});

/** The `data:` of a status, step, progress or log message: one persisted task event. */
export type TaskStreamEvent = TaskEvent;

/** The `data:` of the `done` message that ends a task's stream. */
export interface TaskStreamDone {
  taskId: string;
  status: TaskStatus;
}
