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

/**
 * The strongest role named in a token's `roles` claim. Entra app roles are often namespaced
 * (`CloudOps.Operator`), so the part after the last dot counts, case-insensitively.
 */
export function strongestRole(claim: unknown): Role | null {
  const values = Array.isArray(claim) ? claim : typeof claim === "string" ? [claim] : [];
  let best: Role | null = null;
  for (const value of values) {
    if (typeof value !== "string") continue;
    const name = value.split(".").pop()?.toLowerCase();
    if (isRole(name) && (!best || RANK[name] > RANK[best])) best = name;
  }
  return best;
}
