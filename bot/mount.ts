import type { Hono } from "hono";
import type { Config } from "../config";
import type { Logger } from "../platform/logger";
import type { Instruments } from "../platform/telemetry/instruments";
import { type Bot, createBot } from "./create-bot";
import { createEmulator } from "./emulator/create-emulator";
import { inProcessFetch } from "./in-process-fetch";

/**
 * Mounts the bot's /api/messages on the process app (before the API routes) and, in demo (no
 * MICROSOFT_APP_ID), the Teams emulator behind the /chat page. With ROLE=all the bot calls the API
 * of this very app through its fetch handler: the same HTTP contract, no socket or port needed.
 *
 * Outside demo mode a bot without a registration would accept activities from anyone and call any
 * serviceUrl they name, so neither endpoint is mounted (they answer 404) and start-up says why.
 */
export function mountBot(app: Hono, config: Config, logger: Logger, instruments?: Instruments): Bot | null {
  if (!config.demoMode && !config.bot.appId) {
    logger.warn(
      "Teams bot disabled: DEMO_MODE=false needs MICROSOFT_APP_ID (and MICROSOFT_APP_PASSWORD) so /api/messages can check Bot Framework tokens; /api/messages and /emulator are not served",
    );
    return null;
  }
  const local = inProcessFetch(app);
  const bot = createBot({ config, logger, instruments, fetch: config.role === "all" ? local : undefined });
  app.route("/", bot.app);
  if (!config.bot.appId) {
    const emulator = createEmulator({
      postActivity: (activity) =>
        local("http://bot.internal/api/messages", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(activity),
        }),
      logger,
    });
    app.route("/", emulator.app);
  }
  return bot;
}
