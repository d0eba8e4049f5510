import { z } from "@hono/zod-openapi";
import type { NotificationSettingsRow } from "../../../db/rows";
import { NOTIFY_ON } from "../../../domain/model/notify-on";
import { iso, PROJECT_ID_EXAMPLE } from "../shared";

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

/** The host a webhook URL posts to ("" when it is not a URL). */
export function webhookHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "";
  }
}

/** The host of a webhook URL and nothing that would let someone post to it. */
export function maskWebhook(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return "…";
  }
}

export function toSettings(
  projectId: string,
  row: NotificationSettingsRow | null,
  reveal: boolean,
): z.infer<typeof NotificationSettingsSchema> {
  const url = row?.teamsWebhookUrl ?? null;
  return {
    projectId,
    teamsWebhookUrl: url && !reveal ? maskWebhook(url) : url,
    teamsWebhookConfigured: url !== null,
    emailList: row?.emailList ?? [],
    notifyOn: (row?.notifyOn as z.infer<typeof NotificationSettingsSchema>["notifyOn"]) ?? null,
    updatedAt: iso(row?.updatedAt),
  };
}
