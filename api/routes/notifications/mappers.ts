import type { NotificationSettings } from "../../../contracts/notifications";
import type { NotificationSettingsRow } from "../../../db/rows";
import { iso } from "../shared";

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
): NotificationSettings {
  const url = row?.teamsWebhookUrl ?? null;
  return {
    projectId,
    teamsWebhookUrl: url && !reveal ? maskWebhook(url) : url,
    teamsWebhookConfigured: url !== null,
    emailList: row?.emailList ?? [],
    notifyOn: (row?.notifyOn as NotificationSettings["notifyOn"]) ?? null,
    updatedAt: iso(row?.updatedAt),
  };
}
