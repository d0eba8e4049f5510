import { randomBytes } from "node:crypto";

// Crockford base32: ids sort by creation time and read well in URLs and Teams messages.
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

export const ID_PREFIXES = {
  task: "tsk",
  project: "prj",
  environment: "env",
  deadLetter: "dlq",
  artifact: "art",
  audit: "aud",
  notification: "ntf",
  botCard: "bcd",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

/** A new time-ordered id such as `tsk_01jd2x5k8m0000abcdefghjk`. */
export function newId(kind: IdKind, now = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let rand = "";
  for (const b of bytes) rand += ALPHABET[b % 32];
  return `${ID_PREFIXES[kind]}_${time}${rand}`;
}

/** The regular expression an id of `kind` matches; used by API validation. */
export function idPattern(kind: IdKind): RegExp {
  return new RegExp(`^${ID_PREFIXES[kind]}_[0-9a-hjkmnp-tv-z]{26}$`);
}
