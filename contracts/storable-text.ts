/** An unpaired UTF-16 surrogate; like NUL, PostgreSQL text and jsonb cannot store it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const UNSTORABLE_TEXT_MESSAGE =
  "contains a NUL character or an unpaired surrogate, which cannot be stored";

/** True when `text` can be stored as-is on every database the service runs on. */
export function isStorableText(text: string): boolean {
  return !text.includes("\u0000") && !LONE_SURROGATE.test(text);
}

/**
 * The paths of every string (values and keys, at any depth) in a parsed JSON value that is not
 * storable text; empty when all are. Paths are dotted (`payload.params.0.name`).
 */
export function unstorableTextPaths(value: unknown, path: string[] = []): string[] {
  if (typeof value === "string") return isStorableText(value) ? [] : [path.join(".") || "(body)"];
  if (Array.isArray(value))
    return value.flatMap((item, i) => unstorableTextPaths(item, [...path, String(i)]));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, item]) => [
      ...(isStorableText(key) ? [] : [[...path, "(key)"].join(".")]),
      ...unstorableTextPaths(item, [...path, key]),
    ]);
  }
  return [];
}
