import { buildErrorCard } from "../cards/error-card";
import type { CardJson } from "../cards/expand";
import { ApiProblem } from "./api-client";
import { COMMANDS, type CommandName } from "./commands/catalog";
import type { Actor } from "./identity";

// Error cards for everything a person can get wrong or run into: never silence, never a stack.

const MENTION = "@CloudOps";

/** The usage block of a command, for error cards. */
export function usageOf(command: CommandName | undefined): { usage?: string; example?: string } {
  if (!command) return {};
  return { usage: COMMANDS[command].usage, example: `${MENTION} ${COMMANDS[command].example}` };
}

/** An API refusal (problem+json) as a card: its title and detail, its hint, the right usage. */
export function problemCard(error: unknown, command?: CommandName): CardJson {
  if (error instanceof ApiProblem) {
    const hint =
      error.hint ??
      (error.status === 403
        ? "Ask a CloudOps admin for the operator role (TEAMS_USER_ROLES)."
        : error.status === 429
          ? "Wait a minute and try again."
          : error.status === 400 || error.status === 422
            ? "Check the command against its usage below."
            : undefined);
    return buildErrorCard({
      title: error.title,
      detail: error.detail,
      hint,
      ...(error.status === 400 || error.status === 404 || error.status === 422 ? usageOf(command) : {}),
      reference: error.requestId
        ? `Reference: ${error.code} · ${error.requestId}`
        : `Reference: ${error.code}`,
    });
  }
  return buildErrorCard({
    title: "Something went wrong on our side",
    hint: "Try again in a minute; if it keeps happening, tell the platform team.",
  });
}

/** The refusal a viewer gets for a command that changes something; nothing is sent to the API. */
export function viewerRefusal(actor: Actor, what: string): CardJson {
  return buildErrorCard({
    title: `You can't ${what}: your role is ${actor.role}`,
    detail: "Viewers can look at tasks (status, tasks, dlq, cost) but not start, retry or cancel them.",
    hint: "Ask a CloudOps admin for the operator role (TEAMS_USER_ROLES).",
  });
}
