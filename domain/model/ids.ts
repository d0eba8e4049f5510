import { randomFillSync } from "node:crypto";

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

const RANDOM_CHARS = 16;
/**
 * Random bytes for 256 ids, filled in one call: randomBytes(16) per id made a getrandom system call
 * each time (1% of the worker's CPU end to end, one id per task). Node's randomUUID pools the same way.
 */
const pool = Buffer.alloc(RANDOM_CHARS * 256);
let poolOffset = pool.length;

/** A new time-ordered id such as `tsk_01jd2x5k8m0000abcdefghjk`. */
export function newId(kind: IdKind, now = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  if (poolOffset + RANDOM_CHARS > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  let rand = "";
  for (let i = poolOffset; i < poolOffset + RANDOM_CHARS; i++) rand += ALPHABET[(pool[i] as number) % 32];
  poolOffset += RANDOM_CHARS;
  return `${ID_PREFIXES[kind]}_${time}${rand}`;
}

/** The regular expression an id of `kind` matches; used by API validation. */
export function idPattern(kind: IdKind): RegExp {
  return new RegExp(`^${ID_PREFIXES[kind]}_[0-9a-hjkmnp-tv-z]{26}$`);
}
