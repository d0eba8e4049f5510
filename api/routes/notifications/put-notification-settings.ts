import { createRoute } from "@hono/zod-openapi";
import { NotificationSettingsSchema, PutNotificationSettingsSchema } from "../../../contracts/notifications";
import { ProjectParams } from "../../../contracts/projects";
import { ApiError } from "../../problem";
import type { RouteKit } from "../../route-kit";
import type { ApiApp } from "../../types";
import { mustGetProject } from "../projects/lookup";
import { errorResponses, MutationHeaders } from "../shared";
import { maskWebhook, toSettings } from "./mappers";

export const route = createRoute({
  method: "put",
  path: "/api/projects/{id}/notifications",
  operationId: "putNotificationSettings",
  tags: ["Notifications"],
  summary: "Set a project's Teams webhook and email recipients (role admin)",
  description:
    "A webhook URL must pass the notifier's checks (https on an allowed host); otherwise 422 webhook_url_not_allowed.",
  request: {
    params: ProjectParams,
    headers: MutationHeaders,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: PutNotificationSettingsSchema,
          example: {
            teamsWebhookUrl: "https://contoso.webhook.office.com/webhookb2/abc",
            emailList: ["platform@contoso.com"],
            notifyOn: ["failed", "succeeded"],
          },
        },
      },
    },
  },
  responses: {
    200: {
      description: "Saved (the caller is an admin, so the URL is shown in full)",
      content: {
        "application/json": {
          schema: NotificationSettingsSchema,
          example: {
            projectId: "prj_01jd2x5k8m0000abcdefghjkmn",
            teamsWebhookUrl: "https://contoso.webhook.office.com/webhookb2/abc",
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
  app.openapi({ ...route, middleware: kit.mutate("admin", "notifications.update") }, async (c) => {
    const project = await mustGetProject(kit.deps.stores, c.req.valid("param").id);
    const body = c.req.valid("json");
    if (body.teamsWebhookUrl && kit.deps.notifier) {
      const check = kit.deps.notifier.validateWebhookUrl(body.teamsWebhookUrl);
      if (!check.ok) {
        throw new ApiError(422, "webhook_url_not_allowed", "Webhook URL not allowed", check.reason, {
          hint: "Use the https URL of a Teams Workflows webhook on an allowed host",
        });
      }
    }
    const row = await kit.deps.stores.notificationSettings.put(project.id, body);
    c.set("audit", {
      entity: project.id,
      detail: {
        teamsWebhook: body.teamsWebhookUrl ? maskWebhook(body.teamsWebhookUrl) : null,
        emailCount: body.emailList.length,
      },
    });
    return c.json(toSettings(project.id, row, true), 200);
  });
}
