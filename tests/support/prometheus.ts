import parsePrometheusTextFormat, { type PrometheusFamily } from "parse-prometheus-text-format";

/** One sample line of the text format: metric name, labels and value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A parsed /metrics page. */
export interface Scrape {
  /** The families as parse-prometheus-text-format (a third-party parser) reads them: names, types, help. */
  families: PrometheusFamily[];
  samples: Sample[];
  /** The value of a counter or gauge sample whose labels include `labels` (summed); 0 when absent. */
  value(name: string, labels?: Record<string, string>): number;
  /** The observation count of a histogram (its `_count` samples) whose labels include `labels`. */
  count(name: string, labels?: Record<string, string>): number;
  family(name: string): PrometheusFamily | undefined;
}

export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`, { headers });
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
  if (!res.headers.get("content-type")?.startsWith("text/plain; version=0.0.4")) {
    throw new Error(`GET /metrics answered ${res.headers.get("content-type")}`);
  }
  return parseScrape(await res.text());
}

/**
 * Reads the page twice: parse-prometheus-text-format checks the whole exposition and gives the
 * families, and `parseSamples` (a tokenizer for the 0.0.4 grammar) reads every sample with its labels,
 * because the former folds labelled histograms into one series.
 */
export function parseScrape(text: string): Scrape {
  const families = parsePrometheusTextFormat(text);
  const samples = parseSamples(text);
  const matching = (name: string, labels: Record<string, string>) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  const sum = (list: Sample[]) => list.reduce((total, s) => total + s.value, 0);
  return {
    families,
    samples,
    family: (name) => families.find((f) => f.name === name),
    value: (name, labels = {}) => sum(matching(name, labels)),
    count: (name, labels = {}) => sum(matching(`${name}_count`, labels)),
  };
}

/** Every sample line: `name{label="value",...} number [timestamp]`; throws on anything malformed. */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const [index, line] of text.split("\n").entries()) {
    if (line === "" || line.startsWith("#")) continue;
    let at = 0;
    const fail = (why: string): never => {
      throw new Error(`line ${index + 1}: ${why}: ${line}`);
    };
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0] ?? fail("no metric name");
    at = name.length;
    const labels: Record<string, string> = {};
    if (line[at] === "{") {
      at++;
      while (line[at] !== "}") {
        const key = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(at))?.[0] ?? fail("bad label name");
        at += key.length;
        if (line[at] !== "=" || line[at + 1] !== '"') fail('expected ="');
        at += 2;
        let value = "";
        for (;;) {
          const ch = line[at] ?? fail("unterminated label value");
          at++;
          if (ch === '"') break;
          if (ch === "\\") {
            const next = line[at] ?? fail("dangling escape");
            at++;
            value += next === "n" ? "\n" : next;
          } else value += ch;
        }
        labels[key] = value;
        if (line[at] === ",") at++;
        else if (line[at] !== "}") fail("expected , or }");
      }
      at++;
    }
    if (line[at] !== " ") fail("expected a space before the value");
    const [raw] = line.slice(at + 1).split(" ");
    const value = raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : Number(raw);
    if (raw === undefined || (Number.isNaN(value) && raw !== "NaN")) fail("bad value");
    samples.push({ name, labels, value });
  }
  return samples;
}
