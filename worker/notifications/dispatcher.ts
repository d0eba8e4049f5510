import type { NotificationItem } from "../../cards/notification-text";
import type { NotificationOutboxRow } from "../../db/rows";
import type { NotificationOutboxStore, OutboxGroup } from "../../db/stores/notification-outbox-store";
import { backoffDelay, type RetryPolicy } from "../../platform/backoff";
import type { Logger } from "../../platform/logger";
import { createPeriodicJob } from "../../platform/periodic-job";
import { notificationEmail } from "./email-content";
import type { EmailSender } from "./email-sender";
import { type OutboxPayload, readPayload } from "./outbox-payload";
import type { SendResult } from "./send-result";
import type { TeamsSender } from "./teams-sender";
import { maskUrl, type WebhookUrlPolicy } from "./url-policy";

export interface DispatcherDeps {
  outbox: NotificationOutboxStore;
  teams: TeamsSender;
  email: EmailSender;
  policy: WebhookUrlPolicy;
  /** The Teams webhook URL of a project now (its own, else the global TEAMS_WEBHOOK_URL), or null. */
  webhookFor: (projectId: string | null) => Promise<string | null>;
  publicUrl: string;
  /** Per entity and route, at most one message per window (NOTIFY_WINDOW_SECONDS). */
  windowMs: number;
  /** Attempts per row before it is given up (NOTIFY_MAX_ATTEMPTS). */
  maxAttempts: number;
  logger: Logger;
  pollMs?: number;
  /** How long a claim holds rows; a process that dies mid-send frees them after this. */
  leaseMs?: number;
  retry?: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">;
  /** How long delivered and given-up rows are kept (default 14 days). */
  retentionMs?: number;
  random?: () => number;
  clock?: () => Date;
}

const DEFAULT_RETRY = { baseDelayMs: 2_000, maxDelayMs: 5 * 60_000 };
const PURGE_EVERY_MS = 60 * 60_000;

/**
 * Delivers the notification outbox. Each tick takes every due (route, entity) group: if the group
 * had a message inside the quiet window it waits for the window's end, else its pending rows are
 * claimed together and sent as one message (a digest when there are several). Failures are retried
 * with backoff and jitter, never sooner than a Retry-After, until the row's attempts run out.
 */
export function createOutboxDispatcher(deps: DispatcherDeps) {
  const { outbox, logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const leaseMs = deps.leaseMs ?? 60_000;
  const retry = deps.retry ?? DEFAULT_RETRY;
  let started = false;
  let lastPurge = 0;

  async function send(
    rows: NotificationOutboxRow[],
    payloads: OutboxPayload[],
    now: Date,
  ): Promise<SendResult> {
    const first = payloads[payloads.length - 1];
    const channel = rows[0]?.channel;
    if (!first) return { ok: false, retryable: false, reason: "The notification has no readable content" };
    const items: NotificationItem[] = payloads
      .map((p) => p.item)
      .sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
    const url = first.url ?? (first.webhook ? await deps.webhookFor(first.webhook.projectId) : null);
    if (channel === "teams" && url) {
      const check = deps.policy.validate(url);
      if (!check.ok) return { ok: false, retryable: false, reason: `Webhook URL refused: ${check.reason}` };
      // Loaded on first use: adaptivecards-templating pulls in adaptive-expressions (antlr4ts), ~10 MB
      // of heap that a process with no Teams webhook would carry for nothing.
      const { notificationCard } = await import("../../cards/notification-card");
      return deps.teams.send(url, notificationCard({ items, publicUrl: deps.publicUrl, now }));
    }
    if (channel === "teams")
      return { ok: false, retryable: false, reason: "No Teams webhook is configured now" };
    if (channel === "email" && first.to?.length) {
      return deps.email.send({
        to: first.to,
        ...notificationEmail({ items, publicUrl: deps.publicUrl, now }),
      });
    }
    return { ok: false, retryable: false, reason: `Unknown notification channel ${String(channel)}` };
  }

  async function settleFailure(
    rows: NotificationOutboxRow[],
    leaseUntil: Date,
    result: Extract<SendResult, { ok: false }>,
    now: Date,
  ) {
    for (const row of rows) {
      if (!result.retryable || row.attempts >= deps.maxAttempts) {
        await outbox.settle(row.id, leaseUntil, { status: "failed", lastError: result.reason });
        logger.warn("notification given up", {
          id: row.id,
          channel: row.channel,
          attempts: row.attempts,
          reason: result.reason,
        });
        continue;
      }
      const delayMs = Math.max(result.retryAfterMs ?? 0, backoffDelay(row.attempts, retry, random));
      await outbox.settle(row.id, leaseUntil, {
        status: "pending",
        nextAttemptAt: new Date(now.getTime() + delayMs),
        lastError: result.reason,
      });
    }
    logger.info("notification attempt failed", {
      channel: rows[0]?.channel,
      rows: rows.length,
      reason: result.reason,
    });
  }

  /** Sends one group if it is due and outside its window; returns 1 when a message went out. */
  async function dispatchGroup(group: OutboxGroup, now: Date): Promise<number> {
    const state = await outbox.groupState(group);
    if (state.pending.length === 0) return 0;
    if (state.sendingUntil && state.sendingUntil > now) return 0; // another process is sending this group
    const dueAt = new Date(Math.max(...state.pending.map((r) => r.nextAttemptAt.getTime())));
    const windowEnd = state.lastDeliveredAt
      ? new Date(state.lastDeliveredAt.getTime() + deps.windowMs)
      : null;
    const wait = [dueAt, windowEnd].filter((d): d is Date => d !== null && d > now);
    if (wait.length > 0) {
      // Everything arriving until then folds into one digest.
      await outbox.defer(group, new Date(Math.max(...wait.map((d) => d.getTime()))));
      return 0;
    }
    const leaseUntil = new Date(now.getTime() + leaseMs);
    const claimed = await outbox.claim(group, now, leaseUntil);
    if (claimed.length === 0) return 0;
    const readable = claimed.map((row) => ({ row, payload: readPayload(row.payload) }));
    for (const { row } of readable.filter((r) => r.payload === null)) {
      await outbox.settle(row.id, leaseUntil, { status: "failed", lastError: "unreadable payload" });
    }
    const good = readable.flatMap((r) => (r.payload ? [{ row: r.row, payload: r.payload }] : []));
    if (good.length === 0) return 0;
    const rows = good.map((g) => g.row);
    const result = await send(
      rows,
      good.map((g) => g.payload),
      now,
    ).catch((error: unknown): SendResult => {
      logger.error("notification send crashed", { error });
      return { ok: false, retryable: true, reason: "internal error while sending" };
    });
    if (result.ok) {
      await outbox.markDelivered(
        rows.map((r) => r.id),
        leaseUntil,
        clock(),
      );
      const legacyUrl = good[0]?.payload.url;
      const target =
        rows[0]?.channel === "teams" ? (legacyUrl ? maskUrl(legacyUrl) : "teams webhook") : "email";
      logger.info("notification delivered", {
        channel: rows[0]?.channel,
        target,
        entityId: group.entityId,
        tasks: rows.length,
      });
      return 1;
    }
    await settleFailure(rows, leaseUntil, result, now);
    return 0;
  }

  async function runTick(): Promise<number> {
    const now = clock();
    if (now.getTime() - lastPurge >= PURGE_EVERY_MS) {
      lastPurge = now.getTime();
      await outbox.purge(new Date(now.getTime() - (deps.retentionMs ?? 14 * 24 * 60 * 60_000)));
    }
    await outbox.releaseExpiredLeases(now);
    let sent = 0;
    for (const group of await outbox.dueGroups(now)) sent += await dispatchGroup(group, now);
    return sent;
  }

  // A pass asked for while one runs (rows written meanwhile) runs right after it.
  const job = createPeriodicJob({
    intervalMs: deps.pollMs ?? 1000,
    rerunAfterCurrent: true,
    runOnStart: true,
    pass: runTick,
    onError: (error) => {
      logger.warn("notification outbox pass failed", { error });
      return 0;
    },
  });

  return {
    /** One pass over the outbox (tests call it with a controlled clock); overlapping calls share a pass. */
    tick: () => job.runOnce(),
    /** Starts polling; `kick` asks for a pass now (after rows were written in this process). */
    start() {
      started = true;
      job.start();
    },
    kick() {
      if (started) void job.runOnce();
    },
    async stop() {
      started = false;
      await job.stop();
    },
  };
}

export type OutboxDispatcher = ReturnType<typeof createOutboxDispatcher>;
