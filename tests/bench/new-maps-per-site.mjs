// Where a process makes new V8 hidden classes (maps), per code site: code that makes one per call
// (on Node 20, an object literal that starts with a spread and then adds a property, see
// platform/merged.ts) shows up with a count near its calls. Run the process with
//   node --log-maps --logfile=/tmp/maps.log --no-logfile-per-isolate --import tsx <script> …
// (the log is large: a few hundred MB for 1,000 end-to-end tasks), then
//   node tests/bench/new-maps-per-site.mjs /tmp/maps.log [top]
// Each line: how many maps the site made, the kind (Transition: a property added to a new map;
// Normalize: an object turned into a dictionary), the function and file, and the property or reason.
// Under tsx, positions are those of the transformed file, and `__name` sites are tsx's keepNames
// wrappers (the compiled server has none).
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

const [file, top = "40"] = process.argv.slice(2);
if (!file) {
  console.error("usage: node tests/bench/new-maps-per-site.mjs <v8 log> [top]");
  process.exit(2);
}

/** Code objects as [start, end, name], sorted by start, to name the site of a map event's pc. */
const code = [];
const events = [];
for await (const line of createInterface({ input: createReadStream(file) })) {
  if (line.startsWith("code-creation,")) {
    const parts = line.split(",");
    const start = Number.parseInt(parts[4], 16);
    code.push([start, start + Number(parts[5]), parts.slice(6).join(",")]);
  } else if (/^map,(Transition|Normalize|ReplaceDescriptors),/.test(line)) {
    // map,<kind>,<time>,<from>,<to>,<pc>,<line>,<column>,<reason>,<name>
    const parts = line.split(",");
    events.push({ kind: parts[1], pc: Number.parseInt(parts[5], 16), what: parts[9] || parts[8] || "" });
  }
}
code.sort((a, b) => a[0] - b[0]);

function siteOf(pc) {
  let low = 0;
  let high = code.length - 1;
  let found = null;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (code[middle][0] <= pc) {
      found = code[middle];
      low = middle + 1;
    } else high = middle - 1;
  }
  if (!found || pc >= found[1]) return "?";
  return found[2]
    .replace(/file:\/\/\S*?\/(?=(api|bot|db|domain|platform|worker|cards|tests)\/)/, "")
    .replace(/.*node_modules\//, "");
}

const counts = new Map();
for (const { kind, pc, what } of events) {
  const key = `${kind} ${siteOf(pc)} +${what}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
for (const [key, count] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, Number(top)))
  console.log(String(count).padStart(8), key.slice(0, 200));
