import { Hono } from "hono";
import type { Config } from "../config";
import { UNSTORABLE_TEXT_MESSAGE, unstorableTextPaths } from "../contracts/storable-text";
import type { Logger } from "../platform/logger";
import { type Instruments, noopInstruments } from "../platform/telemetry/instruments";
import { createApiClient } from "./api-client";
import { createConversationGate } from "./conversation-gate";
import { isAllowedServiceUrl } from "./guards/service-url";
import { createTurnHandler } from "./handle-turn";
import { observeTurn } from "./observe-turn";
import { createBotFrameworkSeam, type Turn } from "./seam/botframework";
import { stage } from "./stage-span";
import { createTaskCards } from "./task-cards";
import { createCardUpdater } from "./updater/card-updater";

export interface BotDeps {
  config: Pick<Config, "publicUrl" | "bot" | "api">;
  logger: Logger;
  /** Used for every API call (tests and in-process wiring may pass their own). */
  fetch?: typeof fetch;
  /** Minimum time between two updates of one card (default 1500 ms). */
  cardUpdateIntervalMs?: number;
  /** Bot turn and card update metrics (default: none recorded). */
  instruments?: Instruments;
}

export interface Bot {
  /** Serves POST /api/messages; mount it before the API routes. */
  app: Hono;
  /** Starts the card updater (follows the API's task events). */
  start(): void;
  stop(): Promise<void>;
  /** True when no update of any card of the task is waiting, scheduled or being sent. */
  cardUpdatesSettled(taskId: string): boolean;
}

/** Teams activities are a few KB; anything near this is not Teams. */
const MAX_ACTIVITY_BYTES = 256 * 1024;

/** The Teams bot: Bot Framework endpoint, command handling through the HTTP API, and the card updater. */
export function createBot(deps: BotDeps): Bot {
  const { config } = deps;
  const logger = deps.logger.child({ room: "bot" });
  const api = createApiClient({
    baseUrl: config.bot.apiUrl,
    internalToken: config.api.internalToken,
    fetch: deps.fetch,
  });
  const seam = createBotFrameworkSeam(
    { appId: config.bot.appId, appPassword: config.bot.appPassword, tenantId: config.bot.tenantId },
    logger,
  );
  const gate = createConversationGate();
  const cards = createTaskCards({ api, publicUrl: config.publicUrl });
  const updater = createCardUpdater({
    api,
    updateMessage: (ref, message) => seam.updateMessage(ref, message),
    cards,
    gate,
    logger,
    minIntervalMs: deps.cardUpdateIntervalMs,
    instruments: deps.instruments,
  });
  const handleTurn = createTurnHandler({
    api,
    publicUrl: config.publicUrl,
    roles: { userRoles: config.bot.userRoles, defaultRole: config.bot.defaultRole },
    allowedTenants: config.bot.allowedTenants,
    logger,
    cards,
    trackCard: (card) => updater.track(card),
  });
  // Every send and in-turn update counts against the conversation's limit, as the updater's do.
  const gated = (turn: Turn): Turn => ({
    ...turn,
    // The span covers the wait for the conversation's rate limit and the connector call.
    send: (message) =>
      stage("bot.send", () => gate.run(turn.activity.conversation.id, () => turn.send(message))),
    update: (message) =>
      stage("bot.send", () => gate.run(turn.activity.conversation.id, () => turn.update(message))),
  });

  const app = new Hono();
  app.post("/api/messages", async (c) => {
    if (Number(c.req.header("content-length") ?? 0) > MAX_ACTIVITY_BYTES) {
      return activityProblem(
        413,
        "activity_too_large",
        `An activity may be at most ${MAX_ACTIVITY_BYTES} bytes`,
      );
    }
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return activityProblem(400, "invalid_activity", "The body is not JSON");
    }
    if (!body || typeof body !== "object" || Array.isArray(body)) {
      return activityProblem(400, "invalid_activity", "The body is not a Bot Framework Activity object");
    }
    const { type } = body as { type?: unknown };
    if (typeof type !== "string" || type.trim() === "") {
      return activityProblem(
        400,
        "invalid_activity",
        'The activity has no type (expected e.g. "message" or "invoke")',
      );
    }
    const shapeError = activityShapeError(body as Record<string, unknown>);
    if (shapeError) return activityProblem(400, "invalid_activity", shapeError);
    // Without a registration nothing vouches for the activity, so its serviceUrl decides where our
    // connector calls go: only loopback and Microsoft's Bot Connector hosts, checked before any call.
    if (!config.bot.appId && !isAllowedServiceUrl((body as { serviceUrl?: unknown }).serviceUrl)) {
      return activityProblem(
        400,
        "service_url_not_allowed",
        "Without MICROSOFT_APP_ID the bot only answers on loopback or Microsoft Bot Connector service URLs",
      );
    }
    const result = await observeTurn(
      body as Record<string, unknown>,
      { logger, instruments: deps.instruments ?? noopInstruments },
      () => seam.process({ body, headers: c.req.header() }, (turn) => handleTurn(gated(turn))),
    );
    if (result.body === undefined || result.body === null) return c.body(null, result.status as 200);
    return c.json(result.body as object, result.status as 200);
  });

  return {
    app,
    start: () => updater.start(),
    stop: () => updater.stop(),
    cardUpdatesSettled: (taskId: string) => updater.settled(taskId),
  };
}

/** Fields botbuilder reads as strings; anything else makes it throw deep inside the turn. */
const STRING_FIELDS = ["serviceUrl", "id", "channelId", "text", "replyToId", "locale"] as const;
const ACCOUNT_FIELDS = ["conversation", "from", "recipient"] as const;

/** Why an activity with a type is still not one the bot can process, or null when it is. */
function activityShapeError(activity: Record<string, unknown>): string | null {
  for (const field of STRING_FIELDS) {
    const value = activity[field];
    if (value !== undefined && typeof value !== "string") return `The activity's ${field} must be a string`;
  }
  for (const field of ACCOUNT_FIELDS) {
    const value = activity[field];
    if (value === undefined) continue;
    if (!value || typeof value !== "object" || Array.isArray(value))
      return `The activity's ${field} must be an object`;
    const { id } = value as { id?: unknown };
    if (id !== undefined && typeof id !== "string") return `The activity's ${field}.id must be a string`;
  }
  const unstorable = unstorableTextPaths(activity);
  if (unstorable.length > 0) return `${unstorable.join(", ")}: ${UNSTORABLE_TEXT_MESSAGE}`;
  return null;
}

/** Refusals of malformed activities, in the same problem+json shape as the rest of the HTTP surface. */
function activityProblem(status: 400 | 413, code: string, detail: string): Response {
  const title = status === 413 ? "Activity too large" : "Not a valid activity";
  return new Response(
    JSON.stringify({ type: `https://cloudops.dev/problems/${code}`, title, status, code, detail }),
    { status, headers: { "content-type": "application/problem+json" } },
  );
}
