import { readFileSync } from "node:fs";
import { Template } from "adaptivecards-templating";

/** Adaptive Card JSON as sent to Teams or the browser: plain data, no library objects. */
export type CardJson = Record<string, unknown>;

/** The attachment content type of an Adaptive Card. */
export const ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive";

/** Reads a template from cards/templates once; the JSON files are the single source of a card's layout. */
export function loadTemplate(name: string): CardJson {
  return JSON.parse(readFileSync(new URL(`./templates/${name}.json`, import.meta.url), "utf8")) as CardJson;
}

/**
 * Templates parsed into expression trees, once per template object: `new Template` parses every
 * `${…}` string with the ANTLR grammar of adaptive-expressions, which was most of a card's cost when
 * done per render. A Template holds no state between `expand` calls (expand is synchronous and starts
 * from a fresh evaluation context), so one instance serves every render.
 */
const prepared = new WeakMap<CardJson, Template>();

/**
 * Expands a template with `data` as `$root`. Data values are never re-evaluated by the templating
 * engine, so user-typed text (names, log lines) cannot inject expressions.
 */
export function expandTemplate(template: CardJson, data: object): CardJson {
  let parsed = prepared.get(template);
  if (!parsed) {
    parsed = new Template(template);
    prepared.set(template, parsed);
  }
  return parsed.expand({ $root: data }) as CardJson;
}

/** The UTF-8 size of a card as it travels in an activity. */
export function cardBytes(card: CardJson): number {
  return Buffer.byteLength(JSON.stringify(card), "utf8");
}
