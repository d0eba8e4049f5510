import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The node flags of `npm start` in the checkout at `root` (package.json: "start": "node <flags>
 * start.mjs"), so the benches that start the compiled server measure what `npm start` runs, flags
 * included, on this side and on a baseline's.
 */
export function npmStartFlags(root: string): string[] {
  const { scripts } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    scripts?: { start?: string };
  };
  const words = (scripts?.start ?? "").trim().split(/\s+/);
  if (words[0] !== "node" || words.at(-1) !== "start.mjs")
    throw new Error(
      `${root}: expected "start": "node [flags] start.mjs", found ${JSON.stringify(scripts?.start)}`,
    );
  return words.slice(1, -1);
}
