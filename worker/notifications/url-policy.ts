import type { WebhookUrlCheck } from "../../domain/notifier-port";

/**
 * Microsoft's webhook hosts (https only, default port):
 * - `*.webhook.office.com`: Teams incoming webhooks (Office 365 connectors, new URL form);
 * - `outlook.office.com`, `outlook.office365.com`: legacy connector URLs (`/webhook/...`);
 * - `*.logic.azure.com`: Teams Workflows (Power Automate) "when a webhook request is received";
 * - `*.environment.api.powerplatform.com`: Workflows URLs in the Power Platform environment form.
 * A leading `*.` matches any subdomain (not the bare domain).
 */
export const MICROSOFT_WEBHOOK_HOSTS = [
  "*.webhook.office.com",
  "outlook.office.com",
  "outlook.office365.com",
  "*.logic.azure.com",
  "*.environment.api.powerplatform.com",
] as const;

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);
const isLoopback = (host: string) => LOOPBACK.has(host) || /^127(\.\d{1,3}){3}$/.test(host);

function matches(pattern: string, host: string): boolean {
  if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return host === pattern;
}

/** The host of a URL, safe to log or show; never the path or query, which carry the webhook secret. */
export function maskUrl(url: string): string {
  try {
    return new URL(url).hostname || "invalid-url";
  } catch {
    return "invalid-url";
  }
}

/**
 * The webhook URL rule: https on a Microsoft webhook host; `extraHosts` (NOTIFY_ALLOWED_HOSTS) adds
 * hosts (any port), and for loopback hosts named there plain http is accepted too, so a local
 * receiver can stand in for Teams. Reasons name the host at most, never the URL.
 */
export function createWebhookUrlPolicy(extraHosts: readonly string[]) {
  const extra = extraHosts.map((h) => h.trim().toLowerCase()).filter(Boolean);
  const allowedList = [...MICROSOFT_WEBHOOK_HOSTS, ...extra].join(", ");

  return {
    allowedHosts: [...MICROSOFT_WEBHOOK_HOSTS, ...extra] as readonly string[],
    validate(raw: string): WebhookUrlCheck {
      let url: URL;
      try {
        url = new URL(raw.trim());
      } catch {
        return { ok: false, reason: "The webhook URL is not a valid URL" };
      }
      const host = url.hostname.toLowerCase();
      if (url.protocol !== "https:" && url.protocol !== "http:")
        return { ok: false, reason: "The webhook URL must start with https://" };
      if (url.username || url.password)
        return { ok: false, reason: "The webhook URL must not contain a user name or password" };
      const isExtra = extra.some((pattern) => matches(pattern, host));
      const isMicrosoft = MICROSOFT_WEBHOOK_HOSTS.some((pattern) => matches(pattern, host));
      if (!isExtra && !isMicrosoft) {
        return {
          ok: false,
          reason: `The host ${host} is not a Teams webhook host (allowed: ${allowedList}); an administrator can add it to NOTIFY_ALLOWED_HOSTS`,
        };
      }
      if (url.protocol === "http:" && !(isExtra && isLoopback(host))) {
        return {
          ok: false,
          reason:
            "The webhook URL must use https (plain http is accepted only for loopback hosts in NOTIFY_ALLOWED_HOSTS)",
        };
      }
      if (!isExtra && url.port && url.port !== "443")
        return { ok: false, reason: `The webhook URL must use the default https port on ${host}` };
      return { ok: true };
    },
  };
}

export type WebhookUrlPolicy = ReturnType<typeof createWebhookUrlPolicy>;
