import { type CardJson, expandTemplate, loadTemplate } from "./expand";
import { clip } from "./text";

const template = loadTemplate("choice");

/** More buttons than this make a card people scroll past. */
export const CHOICE_CARD_MAX = 15;

export interface Choice {
  label: string;
  subtitle: string;
  /** The button's text, e.g. "Back up". */
  button: string;
  /** The command the button sends as the user (a Teams messageBack), e.g. "backup azure-postgres orders-db". */
  command: string;
}

export interface ChoiceCardInput {
  title: string;
  detail?: string;
  choices: readonly Choice[];
  footnote?: string;
}

/**
 * A card that asks the user to pick one item; each button sends its command back to the bot as a
 * message from the user, so it runs exactly as if typed (same parsing, roles and idempotency).
 */
export function buildChoiceCard(input: ChoiceCardInput): CardJson {
  const shown = input.choices.slice(0, CHOICE_CARD_MAX);
  const hidden = input.choices.length - shown.length;
  const more = hidden > 0 ? `${hidden} more not shown; type the command with the name instead.` : "";
  return expandTemplate(template, {
    title: clip(input.title, 200),
    detail: clip(input.detail ?? "", 600),
    choices: shown.map((c) => ({
      label: clip(c.label, 120),
      subtitle: clip(c.subtitle, 200),
      button: clip(c.button, 30),
      command: clip(c.command, 200),
    })),
    footnote: clip([input.footnote ?? "", more].filter(Boolean).join(" "), 500),
  });
}
