import type { Config } from "../../config";
import type { Stores } from "../../db/stores/index";
import type { Logger } from "../../platform/logger";
import { tracedMethods } from "../../platform/telemetry/spans";
import { createOutboxDispatcher, type DispatcherDeps } from "./dispatcher";
import { createEmailSender } from "./email-sender";
import { createNotifier } from "./notifier";
import { createTeamsSender } from "./teams-sender";
import { createNotificationTrigger } from "./trigger";
import { createWebhookUrlPolicy } from "./url-policy";

export interface NotificationsOptions {
  config: Pick<Config, "publicUrl" | "notifications">;
  stores: Stores;
  logger: Logger;
  /** Tests inject these; production uses global fetch and stdout. */
  fetch?: typeof fetch;
  write?: (text: string) => void;
  dispatcher?: Partial<Pick<DispatcherDeps, "pollMs" | "leaseMs" | "retry" | "random" | "clock">>;
}

/**
 * Notifications, wired: the port the API uses, the trigger the engine calls when a task finishes,
 * and the outbox dispatcher worker roles run.
 */
export function createNotifications(options: NotificationsOptions) {
  const { config, stores } = options;
  const n = config.notifications;
  const logger = options.logger.child({ component: "notifications" });
  const policy = createWebhookUrlPolicy(n.allowedHosts);
  // One client span per webhook post or SendGrid call (the kind says console when no key is set).
  const teams = tracedMethods(createTeamsSender({ fetch: options.fetch }), "teams.webhook");
  const plainEmail = createEmailSender({
    sendgridApiKey: n.sendgridApiKey,
    from: n.emailFrom,
    write: options.write,
  });
  const email = tracedMethods(plainEmail, plainEmail.kind === "sendgrid" ? "sendgrid" : "email.console");
  const dispatcher = createOutboxDispatcher({
    outbox: stores.notificationOutbox,
    teams,
    email,
    policy,
    webhookFor: async (projectId) => {
      const settings = projectId ? await stores.notificationSettings.get(projectId) : null;
      return settings?.teamsWebhookUrl || n.teamsWebhookUrl || null;
    },
    publicUrl: config.publicUrl,
    windowMs: n.windowSeconds * 1000,
    maxAttempts: n.maxAttempts,
    logger,
    ...options.dispatcher,
  });
  const trigger = createNotificationTrigger({
    stores,
    policy,
    fallbackWebhookUrl: n.teamsWebhookUrl,
    logger,
    onEnqueued: () => dispatcher.kick(),
  });
  const notifier = createNotifier({
    stores,
    policy,
    teams,
    email,
    fallbackWebhookUrl: n.teamsWebhookUrl,
    publicUrl: config.publicUrl,
    logger,
    clock: options.dispatcher?.clock,
  });
  return { notifier, trigger, dispatcher, policy, emailKind: email.kind };
}

export type Notifications = ReturnType<typeof createNotifications>;
