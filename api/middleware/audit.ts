import type { MiddlewareHandler } from "hono";
import type { AuditStore } from "../../db/stores/audit-store";
import type { Logger } from "../../platform/logger";
import type { AppEnv } from "../types";

/** The outcome recorded for a response status. */
export function outcomeOf(status: number): string {
  if (status < 300) return "accepted";
  if (status === 401 || status === 403) return "denied";
  if (status === 429) return "rate_limited";
  if (status < 500) return "rejected";
  return "error";
}

const ENTITY_PARAMS = ["id", "envId"] as const;

/**
 * Writes one audit row per mutating request, whatever its outcome. The handler may name the entity
 * and safe details through c.var.audit; request bodies are never copied (they may hold webhook URLs).
 */
export function audit(store: AuditStore, action: string, logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    let status = 500;
    try {
      await next();
      status = c.res.status;
    } finally {
      const user = c.get("user");
      const note = c.get("audit") ?? {};
      const params = c.req.param() as Record<string, string | undefined>;
      const fromPath =
        params.engine && params.instanceId
          ? `${params.engine}/${params.instanceId}`
          : params.ns && (params.name ?? params.target)
            ? // The restart route's last segment is `{name}:restart` (see restart-workload.ts).
              `${params.ns}/${(params.name ?? params.target ?? "").replace(/:\w+$/, "")}`
            : ENTITY_PARAMS.map((k) => params[k])
                .filter(Boolean)
                .join("/") || null;
      await store
        .record({
          actor: user.id,
          role: user.role,
          source: user.source,
          action,
          entity: note.entity ?? fromPath,
          outcome: outcomeOf(status),
          requestId: c.get("requestId"),
          detail: { status, ...note.detail },
        })
        .catch((error) => logger.error("audit write failed", { action, error }));
    }
  };
}
