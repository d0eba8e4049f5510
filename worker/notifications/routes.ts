import { createHash } from "node:crypto";
import type { NotificationSettingsRow } from "../../db/rows";
import { maskUrl } from "./url-policy";

export type Route =
  | { channel: "teams"; key: string; url: string; target: string }
  | { channel: "email"; key: string; to: string[]; target: string };

const digest = (value: string) => createHash("sha256").update(value).digest("hex").slice(0, 20);

/** A route to a Teams webhook; its key is a hash so the URL (a secret) never appears in keys or logs. */
export function teamsRoute(url: string): Route {
  return { channel: "teams", key: `teams:${digest(url)}`, url, target: maskUrl(url) };
}

export function emailRoute(to: string[]): Route {
  const list = [...new Set(to.map((a) => a.trim()).filter(Boolean))];
  return {
    channel: "email",
    key: `email:${digest([...list].sort().join(","))}`,
    to: list,
    target: list.join(", "),
  };
}

/**
 * The routes of a project: its own Teams webhook, else the global fallback (TEAMS_WEBHOOK_URL), and
 * its email list when it has one.
 */
export function resolveRoutes(
  settings: NotificationSettingsRow | null,
  fallbackWebhookUrl?: string,
): Route[] {
  const routes: Route[] = [];
  const webhook = settings?.teamsWebhookUrl || fallbackWebhookUrl;
  if (webhook) routes.push(teamsRoute(webhook));
  const emails = settings?.emailList ?? [];
  if (emails.length > 0) routes.push(emailRoute(emails));
  return routes;
}
