import { describe, expect, it } from "vitest";
import { ABSOLUTE_LIFETIME_S, createSessions, IDLE_TIMEOUT_S } from "../../site/auth/session";
import { cookieWriter, safeReturnTo } from "../../site/auth/sign-in";

const SECRET = "unit-test-session-secret-0123456789abcdef";
const user = { id: "olga@contoso.test", name: "Olga", role: "operator" as const };

describe("dashboard session cookie", () => {
  it("is Secure only when the dashboard is served over https, and always HttpOnly and SameSite=Lax", () => {
    const secure = cookieWriter(true).set("cloudops_session", "v", 60);
    expect(secure).toMatch(/; Secure/);
    expect(secure).toMatch(/; HttpOnly/);
    expect(secure).toMatch(/; SameSite=Lax/);
    expect(cookieWriter(false).set("cloudops_session", "v", 60)).not.toMatch(/Secure/);
  });

  it("keeps a session through activity and ends it 8 h after the last request or 24 h after sign-in", async () => {
    let now = 1_800_000_000;
    const sessions = createSessions(SECRET, () => now);
    let value = await sessions.issue(user);
    // Active every 7 hours: the idle clock restarts with each renewed cookie.
    for (let i = 0; i < 3; i++) {
      now += IDLE_TIMEOUT_S - 3600;
      const read = await sessions.read(value);
      expect(read?.session.id).toBe(user.id);
      value = read?.renewed ?? value;
    }
    // 21 h after sign-in; the next 7 h step crosses 24 h.
    now += IDLE_TIMEOUT_S - 3600;
    expect(now - 1_800_000_000).toBeGreaterThan(ABSOLUTE_LIFETIME_S);
    expect(await sessions.read(value)).toBeNull();

    const idle = await sessions.issue(user);
    now += IDLE_TIMEOUT_S + 1;
    expect(await sessions.read(idle)).toBeNull();
  });

  it("returns to same-site paths only", () => {
    expect(safeReturnTo("/tasks?status=failed")).toBe("/tasks?status=failed");
    expect(safeReturnTo("//evil.example/")).toBe("/");
    expect(safeReturnTo("/\\evil.example")).toBe("/");
    expect(safeReturnTo("https://evil.example/")).toBe("/");
    expect(safeReturnTo("/auth/logout")).toBe("/");
    expect(safeReturnTo(undefined)).toBe("/");
  });
});
