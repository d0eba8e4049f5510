/**
 * What the API needs from notifications. Implemented in worker/notifications; the API
 * receives it through ApiDeps.notifier and must work (with a "would send" answer) when it is absent.
 */
export type WebhookUrlCheck = { ok: true } | { ok: false; reason: string };

export interface RouteOutcome {
  channel: "teams" | "email";
  /** Where it went, safe to show: a webhook host (never the full URL) or an email address. */
  target: string;
  status: "delivered" | "failed" | "skipped";
  reason?: string;
}

export interface NotifierPort {
  /** Refuses webhook URLs that are not https on an allowed host (see NOTIFY_ALLOWED_HOSTS). */
  validateWebhookUrl(url: string): WebhookUrlCheck;
  /** Sends a test message to every configured route of the project, now, and reports each outcome. */
  sendTest(projectId: string, requestedBy: string): Promise<RouteOutcome[]>;
}
