import { type CardJson, expandTemplate, loadTemplate } from "./expand";
import { clip } from "./text";

const template = loadTemplate("facts");

export interface FactsCardInput {
  title: string;
  subtitle?: string;
  facts: ReadonlyArray<{ title: string; value: string }>;
  footnote?: string;
}

/** A titled list of facts, e.g. a cost estimate. */
export function buildFactsCard(input: FactsCardInput): CardJson {
  return expandTemplate(template, {
    title: clip(input.title, 200),
    subtitle: clip(input.subtitle ?? "", 300),
    facts: input.facts.slice(0, 30).map((f) => ({ title: clip(f.title, 80), value: clip(f.value, 200) })),
    footnote: clip(input.footnote ?? "", 500),
  });
}
