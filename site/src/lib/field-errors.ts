import type { Problem } from "./api-client";

// The API's validation problem turned into messages on the fields people typed into (WCAG 3.3.1):
// each invalid control gets aria-invalid and a message next to it in plain words; only a problem no
// field explains (a conflict, the API down) stays a box under the form.

const WORDS: Record<string, string> = {
  name: "Use 1 to 63 lowercase letters, digits and dashes, starting and ending with a letter or digit (like shop-eu).",
  description: "Keep the description to plain text of at most 500 characters.",
  type: "Choose one of the listed types.",
};

/** Field name in the form → message, for the fields the problem names (`rename` maps API paths to form names). */
export function fieldMessages(
  problem: Problem | null,
  rename: Record<string, string> = {},
): Map<string, string> {
  const out = new Map<string, string>();
  for (const error of problem?.errors ?? []) {
    const path = error.path.split(".")[0] ?? "";
    out.set(rename[path] ?? path, WORDS[path] ?? error.message);
  }
  // A name already taken is about the name field too.
  if (problem?.status === 409 && /name/i.test(`${problem.detail ?? ""} ${problem.code ?? ""}`)) {
    out.set(rename.name ?? "name", problem.detail ?? "That name is taken.");
  }
  return out;
}
