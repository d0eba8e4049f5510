import { NotFoundError } from "../../db/errors";
import type { Stores } from "../../db/stores/index";
import type { NotifierPort, RouteOutcome } from "../../domain/notifier-port";
import type { Logger } from "../../platform/logger";
import { testEmail } from "./email-content";
import type { EmailSender } from "./email-sender";
import { resolveRoutes } from "./routes";
import type { SendResult } from "./send-result";
import type { TeamsSender } from "./teams-sender";
import type { WebhookUrlPolicy } from "./url-policy";

export interface NotifierDeps {
  stores: Pick<Stores, "projects" | "notificationSettings">;
  policy: WebhookUrlPolicy;
  teams: TeamsSender;
  email: EmailSender;
  fallbackWebhookUrl: string | undefined;
  publicUrl: string;
  logger: Logger;
  clock?: () => Date;
}

const outcomeOf = (result: SendResult): Pick<RouteOutcome, "status" | "reason"> =>
  result.ok ? { status: "delivered" } : { status: "failed", reason: result.reason };

/**
 * What the API uses: the webhook URL rule, and a test message sent now (not through the outbox or
 * its window) to each configured route of a project, with each route's outcome.
 */
export function createNotifier(deps: NotifierDeps): NotifierPort {
  const clock = deps.clock ?? (() => new Date());
  return {
    validateWebhookUrl: (url) => deps.policy.validate(url),

    async sendTest(projectId, requestedBy) {
      const project = await deps.stores.projects.get(projectId);
      if (!project) throw new NotFoundError("project_not_found", `No project has the id ${projectId}`);
      const settings = await deps.stores.notificationSettings.get(projectId);
      const routes = resolveRoutes(settings, deps.fallbackWebhookUrl);
      const now = clock();
      const content = { projectName: project.name, requestedBy, publicUrl: deps.publicUrl, now };
      const outcomes = await Promise.all(
        routes.map(async (route): Promise<RouteOutcome> => {
          if (route.channel === "teams") {
            const check = deps.policy.validate(route.url);
            if (!check.ok)
              return { channel: "teams", target: route.target, status: "failed", reason: check.reason };
            // Loaded on first use, as in dispatcher.ts (adaptive-expressions is heavy to load).
            const { testNotificationCard } = await import("../../cards/notification-card");
            const result = await deps.teams.send(route.url, testNotificationCard(content));
            return { channel: "teams", target: route.target, ...outcomeOf(result) };
          }
          const result = await deps.email.send({ to: route.to, ...testEmail(content) });
          return { channel: "email", target: route.target, ...outcomeOf(result) };
        }),
      );
      if (!routes.some((r) => r.channel === "teams"))
        outcomes.push({
          channel: "teams",
          target: "",
          status: "skipped",
          reason: "No Teams webhook is configured",
        });
      if (!routes.some((r) => r.channel === "email"))
        outcomes.push({
          channel: "email",
          target: "",
          status: "skipped",
          reason: "No email recipients are configured",
        });
      deps.logger.info("test notification sent", {
        projectId,
        outcomes: outcomes.map((o) => ({ channel: o.channel, status: o.status })),
      });
      return outcomes;
    },
  };
}
