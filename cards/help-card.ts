import { type CardJson, expandTemplate, loadTemplate } from "./expand";

const template = loadTemplate("help");

export interface CommandHelp {
  /** How to type it, e.g. `restart <namespace>/<workload>`. */
  usage: string;
  description: string;
  /** A command that works as typed, e.g. `restart prod/api`. */
  example: string;
}

/** Every command with what it does and an example; the bot passes its command catalogue. */
export function buildHelpCard(
  commands: readonly CommandHelp[],
  options: { publicUrl: string; mention?: string; title?: string; intro?: string },
) {
  const mention = options.mention ?? "@CloudOps";
  const howTo = `Mention ${mention} followed by a command. Names keep their case as typed.`;
  return expandTemplate(template, {
    title: options.title ?? "CloudOps commands",
    intro: options.intro ? `${options.intro} ${howTo}` : howTo,
    commands: commands.map((c) => ({ ...c, example: `${mention} ${c.example}` })),
    dashboardUrl: `${options.publicUrl}/`,
  }) satisfies CardJson;
}
