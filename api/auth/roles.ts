import type { Role } from "../types";

export const ROLES = ["viewer", "operator", "admin"] as const satisfies readonly Role[];
const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** Whether `role` may do what `required` may do (admin ⊇ operator ⊇ viewer). */
export function satisfies(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

/** The strongest role of a `roles` claim; shared with the dashboard's sign-in (platform/identity-claims.ts). */
export { strongestRole } from "../../platform/identity-claims";
