import { type CardJson, expandTemplate, loadTemplate } from "./expand";
import { withSubmitFallbacks } from "./fallback";
import { clip } from "./text";

const template = loadTemplate("error");

export interface ErrorCardInput {
  /** What went wrong, in one line. */
  title: string;
  detail?: string;
  /** What to do about it. */
  hint?: string;
  /** The right way to type the command, when the command was the problem. */
  usage?: string;
  example?: string;
  /** A request id or error code to quote to the platform team. */
  reference?: string;
}

/** A refusal or failure a person can act on: what went wrong, the fix, and the right usage. Never a stack. */
export function buildErrorCard(input: ErrorCardInput): CardJson {
  return withSubmitFallbacks(
    expandTemplate(template, {
      title: clip(input.title, 200),
      detail: clip(input.detail ?? "", 1000),
      hint: clip(input.hint ?? "", 600),
      usage: clip(input.usage ?? "", 300),
      example: clip(input.example ?? "", 300),
      reference: clip(input.reference ?? "", 200),
    }),
  );
}
