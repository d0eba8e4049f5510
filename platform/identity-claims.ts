// How a person's sign-in claims become a CloudOps identity. One mapping for the API's bearer tokens and
// the dashboard's ID tokens, so a user holds the same role whichever door they come through.

export type ClaimsRole = "viewer" | "operator" | "admin";

const RANK: Record<ClaimsRole, number> = { viewer: 1, operator: 2, admin: 3 };

/**
 * The strongest role named in a token's `roles` claim. Entra app roles are often namespaced
 * (`CloudOps.Operator`), so the part after the last dot counts, case-insensitively.
 */
export function strongestRole(claim: unknown): ClaimsRole | null {
  const values = Array.isArray(claim) ? claim : typeof claim === "string" ? [claim] : [];
  let best: ClaimsRole | null = null;
  for (const value of values) {
    if (typeof value !== "string") continue;
    const name = value.split(".").pop()?.toLowerCase() ?? "";
    if (name in RANK && (!best || RANK[name as ClaimsRole] > RANK[best])) best = name as ClaimsRole;
  }
  return best;
}

/** Who the claims name: id from preferred_username, upn, email, oid or sub (first present), and a display name. */
export function identityOfClaims(claims: Record<string, unknown>): { id: string; name: string } {
  const pick = (k: string) =>
    typeof claims[k] === "string" && claims[k] !== "" ? (claims[k] as string) : undefined;
  const id =
    pick("preferred_username") ?? pick("upn") ?? pick("email") ?? pick("oid") ?? pick("sub") ?? "unknown";
  return { id, name: pick("name") ?? id };
}
