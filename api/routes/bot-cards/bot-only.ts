import type { MiddlewareHandler } from "hono";
import { ApiError } from "../../problem";
import type { RouteKit } from "../../route-kit";
import type { AppEnv } from "../../types";

/**
 * The bot's bookkeeping of its Teams messages: conversation references name a tenant, channel and
 * service URL, so only the bot (internal token, source bot) reads or writes them, whatever the
 * acting user's role. Checked before the body is parsed, so anyone else gets 403, not a 400 hint.
 */
export function botOnly(kit: RouteKit): MiddlewareHandler<AppEnv>[] {
  const onlyBot: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (c.get("user").source !== "bot") {
      throw new ApiError(403, "internal_callers_only", "Not allowed", "Only the bot keeps its Teams cards");
    }
    await next();
  };
  return [...kit.read("viewer"), onlyBot];
}
