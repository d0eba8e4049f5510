import type { AdaptiveCardJson } from "../../cards/notification-card";
import { delivered, failureFor, networkFailure, parseRetryAfter, type SendResult } from "./send-result";

/** The message envelope both Teams Workflows webhooks and legacy connector webhooks accept. */
export function teamsEnvelope(card: AdaptiveCardJson) {
  return {
    type: "message",
    attachments: [
      { contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card },
    ],
  };
}

/**
 * Posts a card to a Teams webhook. Workflows answers 202 (accepted, delivered asynchronously), the
 * legacy connector 200 with body "1"; the connector reports throttling as a 200 whose body mentions
 * 429, so the body is read. Never puts the URL into a result or an error.
 */
export function createTeamsSender(options: { fetch?: typeof fetch; timeoutMs?: number } = {}) {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;

  return {
    async send(url: string, card: AdaptiveCardJson): Promise<SendResult> {
      let response: Response;
      let body: string;
      try {
        response = await doFetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(teamsEnvelope(card)),
          redirect: "error",
          signal: AbortSignal.timeout(timeoutMs),
        });
        body = await response.text();
      } catch (error) {
        return networkFailure(error, "The Teams webhook");
      }
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      if (response.ok) {
        if (/429/.test(body))
          return {
            ok: false,
            retryable: true,
            reason: "The Teams webhook reported throttling (429)",
            retryAfterMs,
          };
        return delivered;
      }
      return failureFor(response.status, "The Teams webhook", retryAfterMs);
    },
  };
}

export type TeamsSender = ReturnType<typeof createTeamsSender>;
