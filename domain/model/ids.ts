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

/** The last id's time and random digits (indexes into ALPHABET), for ids made in the same ms. */
let lastTime = -1;
const lastRandom = new Uint8Array(RANDOM_CHARS);
const scratch = new Uint8Array(RANDOM_CHARS);

/**
 * The random digits of an id made in the same millisecond as the one before: those digits plus one
 * (ULID's monotonic rule), so ids of one process sort in the order they were made even within a
 * millisecond (an audit log read newest first showed two requests of the same ms in either order).
 * False when every digit is already the last of the alphabet (then the caller draws new ones).
 */
function incrementLastRandom(): boolean {
  for (let i = RANDOM_CHARS - 1; i >= 0; i--) {
    if ((lastRandom[i] as number) < 31) {
      lastRandom[i] = (lastRandom[i] as number) + 1;
      return true;
    }
    lastRandom[i] = 0;
  }
  return false;
}

/**
 * A new time-ordered id such as `tsk_01jd2x5k8m0000abcdefghjk`. `now` may be earlier than the last
 * id's time (a seed's history, a clock stepped back): that id gets fresh random digits and leaves the
 * last id's alone, so same-ms order resumes once the time reaches it again.
 */
export function newId(kind: IdKind, now = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const sameMs = now === lastTime && incrementLastRandom();
  if (!sameMs) {
    if (poolOffset + RANDOM_CHARS > pool.length) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    // An earlier time than the last id's draws into a scratch array: the last id's digits stay.
    const digits = now >= lastTime ? lastRandom : scratch;
    for (let i = 0; i < RANDOM_CHARS; i++) digits[i] = (pool[poolOffset + i] as number) % 32;
    poolOffset += RANDOM_CHARS;
    if (digits === lastRandom) lastTime = now;
    return `${ID_PREFIXES[kind]}_${time}${spelled(digits)}`;
  }
  return `${ID_PREFIXES[kind]}_${time}${spelled(lastRandom)}`;
}

function spelled(digits: Uint8Array): string {
  let text = "";
  for (let i = 0; i < RANDOM_CHARS; i++) text += ALPHABET[digits[i] as number];
  return text;
}

/** The regular expression an id of `kind` matches; used by API validation. */
export function idPattern(kind: IdKind): RegExp {
  return new RegExp(`^${ID_PREFIXES[kind]}_[0-9a-hjkmnp-tv-z]{26}$`);
}
