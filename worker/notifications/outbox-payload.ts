import { z } from "zod";
import type { NotificationItem } from "../../cards/notification-text";
import type { Route } from "./routes";

const itemSchema = z.object({
  taskId: z.string(),
  taskType: z.string(),
  status: z.enum(["succeeded", "failed", "cancelled", "awaiting_approval"]),
  entityLabel: z.string(),
  requestedBy: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string(),
  error: z.string().nullable(),
  detail: z.string().nullable().optional(),
});

const payloadSchema = z.object({
  /** Rows written before webhooks were stored by reference carried the URL itself. */
  url: z.string().nullable(),
  /** Where the Teams webhook URL is looked up at send time: the project's settings, else the global one. */
  webhook: z.object({ projectId: z.string().nullable() }).nullable().optional(),
  to: z.array(z.string()).nullable(),
  item: itemSchema,
});

/** What one outbox row carries: where it goes (the row's channel says how) and what happened. */
export type OutboxPayload = z.infer<typeof payloadSchema>;

/**
 * The row's payload. A Teams route is stored as a reference (the project whose settings name the
 * webhook), never as the URL: the URL is a secret and outbox rows outlive it.
 */
export function payloadFor(route: Route, item: NotificationItem, projectId: string | null): OutboxPayload {
  return route.channel === "teams"
    ? { url: null, webhook: { projectId }, to: null, item }
    : { url: null, to: route.to, item };
}

/** Reads a stored payload back; null when it is not one this code wrote (the row is given up). */
export function readPayload(value: unknown): OutboxPayload | null {
  const parsed = payloadSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
