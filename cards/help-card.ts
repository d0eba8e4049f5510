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
  options: { publicUrl: string; mention?: string },
) {
  const mention = options.mention ?? "@CloudOps";
  return expandTemplate(template, {
    title: "CloudOps commands",
    intro: `Mention ${mention} followed by a command. Names keep their case as typed.`,
    commands: commands.map((c) => ({ ...c, example: `${mention} ${c.example}` })),
    dashboardUrl: `${options.publicUrl}/`,
  }) satisfies CardJson;
}
