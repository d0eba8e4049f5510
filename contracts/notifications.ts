import { z } from "@hono/zod-openapi";
import { NOTIFY_ON } from "../domain/model/notify-on";
import { idSchema, PROJECT_ID_EXAMPLE } from "./common";

export const NotificationSettingsSchema = z
  .object({
    projectId: z.string().openapi({ example: PROJECT_ID_EXAMPLE }),
    teamsWebhookUrl: z.string().nullable().openapi({
      description: "Shown in full to admins only; others see the host and a mask",
      example: "https://contoso.webhook.office.com/…",
    }),
    teamsWebhookConfigured: z.boolean(),
    emailList: z.array(z.string()).openapi({ example: ["platform@contoso.com"] }),
    notifyOn: z
      .array(z.enum(NOTIFY_ON))
      .nullable()
      .openapi({ description: "null = the default (failed, sandbox-expired, prod-deploy-succeeded)" }),
    updatedAt: z.string().nullable(),
  })
  .openapi("NotificationSettings");

export const PutNotificationSettingsSchema = z
  .strictObject({
    teamsWebhookUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .nullable()
      .openapi({ example: "https://contoso.webhook.office.com/webhookb2/abc" }),
    emailList: z
      .array(z.email().max(254))
      .max(50)
      .openapi({ example: ["platform@contoso.com"] }),
    notifyOn: z.array(z.enum(NOTIFY_ON)).max(NOTIFY_ON.length).nullable().optional(),
  })
  .openapi("PutNotificationSettings");

export const TestNotificationRequestSchema = z
  .strictObject({ projectId: idSchema("project", PROJECT_ID_EXAMPLE) })
  .openapi("TestNotificationRequest");

const OutcomeSchema = z.object({
  channel: z.enum(["teams", "email"]),
  target: z.string().openapi({ example: "contoso.webhook.office.com" }),
  status: z.enum(["delivered", "failed", "skipped", "would_send"]),
  reason: z.string().optional(),
});

export const TestNotificationResultSchema = z
  .object({ projectId: z.string(), sent: z.boolean(), outcomes: z.array(OutcomeSchema) })
  .openapi("TestNotificationResult");

export type NotificationSettings = z.infer<typeof NotificationSettingsSchema>;
export type PutNotificationSettings = z.infer<typeof PutNotificationSettingsSchema>;
export type TestNotificationRequest = z.infer<typeof TestNotificationRequestSchema>;
export type TestNotificationResult = z.infer<typeof TestNotificationResultSchema>;
