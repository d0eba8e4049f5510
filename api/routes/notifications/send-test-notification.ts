import { createRoute } from "@hono/zod-openapi";
import { PROJECT_ID_EXAMPLE } from "../../../contracts/common";
import {
  TestNotificationRequestSchema,
  TestNotificationResultSchema,
} from "../../../contracts/notifications";
import type { RouteOutcome } from "../../../domain/notifier-port";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { mustGetProject } from "../projects/lookup";
import { errorResponses, MutationHeaders } from "../shared";
import { webhookHost } from "./mappers";

export const route = createRoute({
  method: "post",
  path: "/api/notifications/test",
  operationId: "sendTestNotification",
  tags: ["Notifications"],
  summary: "Send a test message to every route of a project now (role admin)",
  description:
    "When notification sending is not configured in this process, answers with what it would send (status would_send).",
  request: {
    headers: MutationHeaders,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: TestNotificationRequestSchema,
          example: { projectId: PROJECT_ID_EXAMPLE },
        },
      },
    },
  },
  responses: {
    200: {
      description: "One outcome per route",
      content: {
        "application/json": {
          schema: TestNotificationResultSchema,
          example: {
            projectId: PROJECT_ID_EXAMPLE,
            sent: true,
            outcomes: [
              { channel: "teams", target: "contoso.webhook.office.com", status: "delivered" },
              { channel: "email", target: "platform@contoso.com", status: "delivered" },
            ],
          },
        },
      },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.mutate("admin", "notifications.test") }, async (c) => {
    const project = await mustGetProject(kit.deps.stores, c.req.valid("json").projectId);
    c.set("audit", { entity: project.id });
    if (kit.deps.notifier) {
      const outcomes: RouteOutcome[] = await kit.deps.notifier.sendTest(project.id, c.get("user").id);
      return c.json({ projectId: project.id, sent: true, outcomes }, 200);
    }
    const settings = await kit.deps.stores.notificationSettings.get(project.id);
    const outcomes = [
      ...(settings?.teamsWebhookUrl
        ? [
            {
              channel: "teams" as const,
              target: webhookHost(settings.teamsWebhookUrl),
              status: "would_send" as const,
            },
          ]
        : []),
      ...(settings?.emailList ?? []).map((email) => ({
        channel: "email" as const,
        target: email,
        status: "would_send" as const,
      })),
    ];
    return c.json({ projectId: project.id, sent: false, outcomes }, 200);
  });
}
