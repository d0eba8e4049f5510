import { HttpResponse, http } from "msw";
import type { SetupServer } from "msw/node";
import type { Config } from "../../config";
import type { TaskRow } from "../../db/rows";
import type { Stores } from "../../db/stores/index";
import type { TaskStatus } from "../../domain/model/task-status";
import type { TaskType } from "../../domain/model/task-types";
import { createLogger, type Logger } from "../../platform/logger";
import { createNotifications, type NotificationsOptions } from "../../worker/notifications/index";

export const PUBLIC_URL = "https://ops.contoso.com";
export const WEBHOOK =
  "https://contoso.webhook.office.com/webhookb2/1111@2222/IncomingWebhook/s3cr3tT0ken/3333";
export const FALLBACK_WEBHOOK =
  "https://prod-07.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=fallbackS1g";
export const SENDGRID = "https://api.sendgrid.com/v3/mail/send";
export const SENDGRID_KEY = "SG.never-log-me.0123456789abcdef";

export const notificationConfig = (
  over: Partial<Config["notifications"]> = {},
): Pick<Config, "publicUrl" | "notifications"> => ({
  publicUrl: PUBLIC_URL,
  notifications: {
    teamsWebhookUrl: undefined,
    allowedHosts: [],
    windowSeconds: 120,
    maxAttempts: 3,
    sendgridApiKey: SENDGRID_KEY,
    emailFrom: "cloudops@contoso.com",
    ...over,
  },
});

/** The first text of a card: its headline. */
export const headlineOf = (card: Record<string, unknown> | undefined): string | undefined =>
  ((card?.body ?? []) as Array<{ text?: string }>)[0]?.text;

/** Real time plus whatever the test has skipped ahead, so rows written "now" are due at once. */
export function manualClock() {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    advance(seconds: number) {
      offset += seconds * 1000;
    },
  };
}

export type Reply = () => Response;

/** Fake Teams webhooks and SendGrid: record every request body, answer from a script (default 202). */
export function fakeEndpoints(server: SetupServer) {
  const teams: Array<{ url: string; body: Record<string, unknown> }> = [];
  const emails: Array<Record<string, unknown>> = [];
  const teamsReplies: Reply[] = [];
  const emailReplies: Reply[] = [];
  const accepted = () => new HttpResponse(null, { status: 202 });
  server.use(
    ...[WEBHOOK, FALLBACK_WEBHOOK].map((url) =>
      // msw matches the path; the query (a Workflows signature) is part of what the sender must keep.
      http.post(url.split("?")[0] ?? url, async ({ request }) => {
        teams.push({ url: request.url, body: (await request.json()) as Record<string, unknown> });
        return (teamsReplies.shift() ?? accepted)();
      }),
    ),
    http.post(SENDGRID, async ({ request }) => {
      emails.push((await request.json()) as Record<string, unknown>);
      return (emailReplies.shift() ?? accepted)();
    }),
  );
  return {
    teams,
    emails,
    /** The Adaptive Cards posted to Teams, in order. */
    cards: () =>
      teams.map((t) => (t.body.attachments as Array<{ content: Record<string, unknown> }>)[0]?.content),
    replyTeams: (...replies: Reply[]) => teamsReplies.push(...replies),
    replyEmail: (...replies: Reply[]) => emailReplies.push(...replies),
  };
}

/** Notifications over `stores` with a hand-moved clock and deterministic jitter. */
export function notificationsFor(
  stores: Stores,
  clock: { now: () => Date },
  options: { config?: Partial<Config["notifications"]>; logger?: Logger; write?: (t: string) => void } = {},
) {
  const deps: NotificationsOptions = {
    config: notificationConfig(options.config),
    stores,
    logger: options.logger ?? createLogger("silent"),
    write: options.write ?? (() => {}),
    dispatcher: { clock: clock.now, random: () => 0.5, retry: { baseDelayMs: 2000, maxDelayMs: 60_000 } },
  };
  return createNotifications(deps);
}

/** Writes a task that ran and finished with `status`, as the runner would leave it. */
export async function finishedTask(
  stores: Stores,
  input: {
    type: TaskType;
    entityId: string;
    projectId?: string | null;
    payload?: Record<string, unknown>;
    status: Extract<TaskStatus, "succeeded" | "failed" | "cancelled">;
    error?: string;
  },
): Promise<TaskRow> {
  const { task } = await stores.tasks.create({
    type: input.type,
    entityId: input.entityId,
    projectId: input.projectId ?? null,
    payload: input.payload ?? {},
    requestedBy: "alice@contoso.com",
    source: "api",
  });
  const startedAt = new Date(Date.now() - 65_000);
  await stores.tasks.transition(task.id, "running", { startedAt, attempts: 1 });
  return stores.tasks.transition(task.id, input.status, {
    finishedAt: new Date(),
    error: input.error ? { code: "injected_failure", message: input.error } : null,
  });
}

/** Captures what the real logger writes (JSON lines on stdout and stderr). */
export function captureLogs(): { logger: Logger; lines: string[]; restore(): void } {
  const lines: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const grab = (chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  };
  process.stdout.write = grab as typeof process.stdout.write;
  process.stderr.write = grab as typeof process.stderr.write;
  return {
    logger: createLogger("debug"),
    lines,
    restore() {
      process.stdout.write = out;
      process.stderr.write = err;
    },
  };
}
