import type { IncomingActivity } from "./activity";
import type { MemberInfo } from "./seam/botframework";

export type Role = "viewer" | "operator" | "admin";

/** Who typed the command, as the API will be told through the acting headers. */
export interface Actor {
  /** Matches the API's X-Acting-User rule: letters, digits, `.@+-_`, at most 128. */
  id: string;
  name: string;
  role: Role;
}

export interface RoleConfig {
  userRoles: Record<string, Role>;
  defaultRole: Role;
}

const SAFE = /[^\w.@+-]/g;

/**
 * The actor of an activity. The id is the user's UPN or email when the Teams roster gives one (what
 * TEAMS_USER_ROLES lists), else their Entra object id. The role comes only from identifiers a user
 * cannot choose: the roster's UPN or email (the Bot Connector's member lookup) and the Entra object
 * id. Display names and Teams user ids never count: anyone can name themselves `alice@contoso.com`.
 */
export function actorOf(activity: IncomingActivity, member: MemberInfo | null, roles: RoleConfig): Actor {
  const from = activity.from;
  const keys = [member?.userPrincipalName, member?.email, from.aadObjectId]
    .filter((k): k is string => typeof k === "string" && k.length > 0)
    .map((k) => k.toLowerCase());
  const role = keys.map((k) => roles.userRoles[k]).find((r) => r !== undefined) ?? roles.defaultRole;
  const raw = member?.userPrincipalName ?? member?.email ?? from.aadObjectId ?? from.id;
  const id = raw.replace(SAFE, "_").slice(0, 128) || "teams-user";
  return { id, name: from.name ?? member?.name ?? id, role };
}
