import { describe, expect, it } from "vitest";
import type { IncomingActivity } from "./activity";
import { actorOf } from "./identity";

const activity = (from: IncomingActivity["from"]) => ({ from }) as IncomingActivity;
const roles = {
  userRoles: { "alice@contoso.com": "admin", "6b5b1b9c-0000-4000-8000-00000000b0b0": "viewer" } as const,
  defaultRole: "operator" as const,
};

describe("Teams user identity", () => {
  it("acts as the user's UPN from the roster and takes their configured role, whatever its case", () => {
    const actor = actorOf(
      activity({ id: "29:1a", name: "Alice", aadObjectId: "a-oid" }),
      { userPrincipalName: "Alice@Contoso.com" },
      roles,
    );
    expect(actor).toEqual({ id: "Alice@Contoso.com", name: "Alice", role: "admin" });
  });

  it("falls back to the Entra object id when the roster cannot say, and still finds the role", () => {
    const actor = actorOf(
      activity({ id: "29:1b", name: "Bob", aadObjectId: "6b5b1b9c-0000-4000-8000-00000000b0b0" }),
      null,
      roles,
    );
    expect(actor).toEqual({ id: "6b5b1b9c-0000-4000-8000-00000000b0b0", name: "Bob", role: "viewer" });
  });

  it("gives unlisted users the default role and an id the API accepts", () => {
    const actor = actorOf(activity({ id: "29:1c d/e", name: "Carol" }), null, roles);
    expect(actor.role).toBe("operator");
    expect(actor.id).toMatch(/^[\w.@+-]{1,128}$/);
  });
});

describe("Teams identity that cannot be spoofed", () => {
  it("gives no role for a display name that looks like a listed user", () => {
    const actor = actorOf(
      activity({ id: "29:mallory", name: "alice@contoso.com", aadObjectId: "mallory-oid" }),
      { userPrincipalName: "mallory@contoso.com", name: "alice@contoso.com" },
      roles,
    );
    expect(actor.role).toBe("operator");
    expect(actor.id).toBe("mallory@contoso.com");
  });

  it("gives no role for a Teams user id listed in TEAMS_USER_ROLES", () => {
    const actor = actorOf(activity({ id: "29:1a", name: "Someone" }), null, {
      userRoles: { "29:1a": "admin" },
      defaultRole: "viewer",
    });
    expect(actor.role).toBe("viewer");
  });

  it("takes the role of the roster's email when there is no UPN", () => {
    const actor = actorOf(activity({ id: "29:1d", name: "Al" }), { email: "ALICE@contoso.com" }, roles);
    expect(actor.role).toBe("admin");
  });
});
