/**
 * The outcomes a project can choose to be notified about (notification_settings.notifyOn). The API
 * validates against this list; the notifier classifies each finished task into one of them.
 * "succeeded" covers every success, including production deployments and sandbox expiries.
 */
export const NOTIFY_ON = [
  "failed",
  "cancelled",
  "succeeded",
  "prod-deploy-succeeded",
  "sandbox-expired",
] as const;
export type NotifyOn = (typeof NOTIFY_ON)[number];

/** What a project without its own choice (notifyOn null) is notified about. */
export const DEFAULT_NOTIFY_ON: readonly NotifyOn[] = ["failed", "sandbox-expired", "prod-deploy-succeeded"];

export function isNotifyOn(value: string): value is NotifyOn {
  return (NOTIFY_ON as readonly string[]).includes(value);
}
