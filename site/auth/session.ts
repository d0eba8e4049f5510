import { hkdfSync } from "node:crypto";
import { EncryptJWT, jwtDecrypt } from "jose";
import type { ClaimsRole } from "../../platform/identity-claims";

// The dashboard session lives in one cookie, encrypted and authenticated (JWE dir + A256GCM) with a
// key derived from SESSION_SECRET: nothing to store server-side, and any change to it makes it
// unreadable, which is a signed-out visitor. See docs/adr/0007-dashboard-sessions.md.

export const SESSION_COOKIE = "cloudops_session";
/** Seconds without a request after which a session ends. */
export const IDLE_TIMEOUT_S = 8 * 3600;
/** Seconds after sign-in after which a session ends, however active. */
export const ABSOLUTE_LIFETIME_S = 24 * 3600;
/** A session's last-seen time is rewritten at most this often (one Set-Cookie per minute, not per request). */
const RENEW_AFTER_S = 60;

export interface SessionUser {
  id: string;
  name: string;
  /** From the ID token's `roles` claim; null when it names none of ours. */
  role: ClaimsRole | null;
}

export interface Session extends SessionUser {
  /** Seconds since the epoch. */
  signedInAt: number;
  seenAt: number;
}

/** Seals and opens encrypted cookie values (sessions, login transactions) with one key family. */
export function createSealer(secret: string, purpose: string) {
  const key = new Uint8Array(hkdfSync("sha256", secret, "cloudops", `${purpose} v1`, 32));
  return {
    seal(payload: Record<string, unknown>, expiresAt: number): Promise<string> {
      return new EncryptJWT(payload)
        .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
        .setExpirationTime(expiresAt)
        .encrypt(key);
    },
    async open(value: string | undefined, nowSeconds: number): Promise<Record<string, unknown> | null> {
      if (!value) return null;
      try {
        const { payload } = await jwtDecrypt(value, key, { currentDate: new Date(nowSeconds * 1000) });
        return payload as Record<string, unknown>;
      } catch {
        return null;
      }
    },
  };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Issues and reads session cookie values; `now` (seconds) is for tests that travel in time. */
export function createSessions(secret: string, now: () => number = nowSeconds) {
  const sealer = createSealer(secret, "dashboard session");
  const seal = (s: Session) =>
    sealer.seal({ ...s }, Math.min(s.seenAt + IDLE_TIMEOUT_S, s.signedInAt + ABSOLUTE_LIFETIME_S));

  return {
    /** A new session for a person who just signed in. */
    issue(user: SessionUser, times: { signedInAt?: number; seenAt?: number } = {}): Promise<string> {
      const t = now();
      return seal({ ...user, signedInAt: times.signedInAt ?? t, seenAt: times.seenAt ?? t });
    },
    /**
     * The session in a cookie value, or null when it is missing, tampered with, idle for 8 h or older
     * than 24 h. `renewed` is a new value to send when the last-seen time moved on.
     */
    async read(value: string | undefined): Promise<{ session: Session; renewed: string | null } | null> {
      const t = now();
      const p = await sealer.open(value, t);
      if (!p) return null;
      const { id, name, role, signedInAt, seenAt } = p;
      if (typeof id !== "string" || typeof name !== "string") return null;
      if (typeof signedInAt !== "number" || typeof seenAt !== "number") return null;
      if (role !== null && role !== "viewer" && role !== "operator" && role !== "admin") return null;
      if (t - seenAt > IDLE_TIMEOUT_S || t - signedInAt > ABSOLUTE_LIFETIME_S || signedInAt > t + 60)
        return null;
      const session: Session = { id, name, role, signedInAt, seenAt };
      const renewed = t - seenAt >= RENEW_AFTER_S ? await seal({ ...session, seenAt: t }) : null;
      return { session, renewed };
    },
    /** Max-Age for a cookie value issued now for `session`. */
    maxAge(session: Pick<Session, "signedInAt">): number {
      return Math.max(0, Math.min(IDLE_TIMEOUT_S, session.signedInAt + ABSOLUTE_LIFETIME_S - now()));
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
