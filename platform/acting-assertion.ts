import { hkdfSync } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";

// The dashboard calls the API as the signed-in person: each call carries a short-lived assertion of who
// that is, signed with a key derived from the process's internal secret. The API trusts the identity
// and role inside it and writes that person into the audit log; nothing else can mint one.

export type AssertedRole = "viewer" | "operator" | "admin";

export interface ActingIdentity {
  id: string;
  name: string;
  role: AssertedRole;
}

/** The header that carries the assertion from the site to the API. */
export const ACTING_ASSERTION_HEADER = "x-cloudops-assertion";

const ISSUER = "cloudops-site";
const AUDIENCE = "cloudops-api";
const LIFETIME_SECONDS = 60;

/** Derives the signing key from the shared internal secret (never used as a key by itself). */
export function assertionKey(secret: string): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", secret, "cloudops", "acting-assertion v1", 32));
}

/** A compact JWS valid for one minute that names `identity`. */
export function signActingAssertion(key: Uint8Array, identity: ActingIdentity): Promise<string> {
  return new SignJWT({ name: identity.name, role: identity.role })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(identity.id)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${LIFETIME_SECONDS}s`)
    .sign(key);
}

/** The identity in a valid assertion; throws for a bad signature, an expired one or a wrong shape. */
export async function verifyActingAssertion(key: Uint8Array, token: string): Promise<ActingIdentity> {
  const { payload } = await jwtVerify(token, key, {
    algorithms: ["HS256"],
    issuer: ISSUER,
    audience: AUDIENCE,
    maxTokenAge: `${LIFETIME_SECONDS + 5}s`,
    clockTolerance: 5,
  });
  const role = payload.role;
  if (role !== "viewer" && role !== "operator" && role !== "admin")
    throw new Error("assertion without a role");
  if (typeof payload.sub !== "string" || payload.sub === "" || payload.sub.length > 256)
    throw new Error("assertion without a subject");
  const name =
    typeof payload.name === "string" && payload.name !== "" ? payload.name.slice(0, 256) : payload.sub;
  return { id: payload.sub, name, role };
}
