import { createRoute } from "@hono/zod-openapi";
import { PROJECT_ID_EXAMPLE } from "../../../contracts/common";
import { NotificationSettingsSchema } from "../../../contracts/notifications";
import { ProjectParams } from "../../../contracts/projects";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { mustGetProject } from "../projects/lookup";
import { errorResponses } from "../shared";
import { toSettings } from "./mappers";

export const route = createRoute({
  method: "get",
  path: "/api/projects/{id}/notifications",
  operationId: "getNotificationSettings",
  tags: ["Notifications"],
  summary: "Where a project's task notifications go (role viewer; the webhook URL in full for admins only)",
  request: { params: ProjectParams },
  responses: {
    200: {
      description: "The settings (defaults when never set)",
      content: {
        "application/json": {
          schema: NotificationSettingsSchema,
          example: {
            projectId: PROJECT_ID_EXAMPLE,
            teamsWebhookUrl: "https://contoso.webhook.office.com/…",
            teamsWebhookConfigured: true,
            emailList: ["platform@contoso.com"],
            notifyOn: ["failed", "succeeded"],
            updatedAt: "2026-01-05T10:00:00.000Z",
          },
        },
      },
    },
    ...errorResponses,
  },
});

export function register(app: ApiApp, kit: RouteKit): void {
  app.openapi({ ...route, middleware: kit.read("viewer") }, async (c) => {
    const project = await mustGetProject(kit.deps.stores, c.req.valid("param").id);
    const row = await kit.deps.stores.notificationSettings.get(project.id);
    return c.json(toSettings(project.id, row, c.get("user").role === "admin"), 200);
  });
}
