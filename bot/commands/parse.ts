import { DNS_LABEL, DNS_LABEL_MAX } from "../../contracts/common";
import { DB_ENGINES, type DbEngine } from "../../domain/model/task-types";
import { COMMAND_NAMES, type CommandName } from "./catalog";

export type Command =
  | { name: "restart"; namespace: string; workload: string }
  | { name: "deploy"; project: string; environment: string; template: string | undefined }
  | { name: "backup"; engine: DbEngine | undefined; instance: string | undefined }
  | {
      name: "restore";
      engine: DbEngine | undefined;
      instance: string | undefined;
      artifactId: string | undefined;
    }
  | { name: "sandbox"; project: string; ttlMinutes: number | undefined }
  | { name: "status"; taskId: string }
  | { name: "tasks" }
  | { name: "dlq" }
  | { name: "cost"; cpu: number; memoryGb: number; storageGb: number }
  | { name: "help" };

/** Why a message is not a command, worded for the person who typed it. */
export interface ParseError {
  title: string;
  detail?: string;
  hint?: string;
  command?: CommandName;
}

export type ParseResult = { ok: true; command: Command } | { ok: false; error: ParseError };

/** The API's rule for namespace, workload and instance names (DNS-1123 labels), applied as typed. */
const isLabel = (name: string) => name.length <= DNS_LABEL_MAX && DNS_LABEL.test(name);
const LABEL_RULE =
  "Names are lower case letters, digits and '-' (at most 63), as Kubernetes and the API require.";

/** A hint for a name the API would refuse: the lower-case spelling when that one is valid. */
function labelHint(typed: string, fixed: string): string {
  return fixed !== typed ? `${LABEL_RULE} Did you mean ${fixed}?` : LABEL_RULE;
}
const TASK_ID = /^tsk_[0-9a-hjkmnp-tv-z]{26}$/;

/** Parses the text of a message (mention already stripped). The verb is case-insensitive; arguments keep their case. */
export function parseCommand(text: string): ParseResult {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [first, ...args] = words;
  if (!first) return { ok: true, command: { name: "help" } };
  const verb = first.toLowerCase();
  if (!isCommandName(verb)) {
    const near = closest(verb);
    return fail(undefined, `I don't know the command “${first}”`, near ? `Did you mean ${near}?` : undefined);
  }
  const wrongCount = (min: number, max: number) => args.length < min || args.length > max;
  switch (verb) {
    case "restart": {
      if (wrongCount(1, 1)) return fail(verb, "restart needs one namespace/workload");
      const [ns, workload, extra] = (args[0] ?? "").split("/");
      if (!ns || !workload || extra !== undefined)
        return fail(verb, `“${args[0]}” is not a namespace/workload`);
      // Refused here with the API's own rule, not lower-cased behind the person's back: `prod/API`
      // names no workload Kubernetes could have, and guessing would restart something not typed.
      if (!isLabel(ns) || !isLabel(workload)) {
        const fixed = `${ns.toLowerCase()}/${workload.toLowerCase()}`;
        const valid = fixed.split("/").every(isLabel);
        return fail(
          verb,
          `“${args[0]}” is not a valid namespace/workload`,
          labelHint(args[0] ?? "", valid ? fixed : (args[0] ?? "")),
        );
      }
      return { ok: true, command: { name: verb, namespace: ns, workload } };
    }
    case "deploy": {
      if (wrongCount(1, 2)) return fail(verb, "deploy needs project/environment and at most a template");
      const [project, environment, extra] = (args[0] ?? "").split("/");
      if (!project || !environment || extra !== undefined)
        return fail(verb, `“${args[0]}” is not a project/environment`);
      return { ok: true, command: { name: verb, project, environment, template: args[1] } };
    }
    case "backup":
    case "restore": {
      // Missing parts are asked for with a choice card: `backup` alone lists the instances,
      // `restore engine instance` lists its backups. One word is an engine or an instance id.
      const max = verb === "backup" ? 2 : 3;
      if (wrongCount(0, max))
        return fail(
          verb,
          `${verb} takes at most ${max === 2 ? "an engine and an instance" : "an engine, an instance and a backup artifact id"}`,
        );
      const [first = "", second, artifactId] = args;
      let engine: DbEngine | undefined;
      let instance: string | undefined;
      if (args.length === 1 && !isDbEngine(first)) instance = first;
      else if (args.length >= 1) {
        if (!isDbEngine(first))
          return fail(verb, `“${first}” is not a database engine`, `Use ${DB_ENGINES.join(" or ")}.`);
        engine = first;
        instance = second;
      }
      if (instance !== undefined && !isLabel(instance)) {
        const fixed = isLabel(instance.toLowerCase()) ? instance.toLowerCase() : instance;
        return fail(verb, `“${instance}” is not a database instance name`, labelHint(instance, fixed));
      }
      return verb === "backup"
        ? { ok: true, command: { name: verb, engine, instance } }
        : { ok: true, command: { name: verb, engine, instance, artifactId } };
    }
    case "sandbox": {
      if (wrongCount(1, 2)) return fail(verb, "sandbox needs a project and at most a lifetime in minutes");
      const ttl = args[1];
      if (ttl !== undefined && !/^\d{1,5}$/.test(ttl))
        return fail(verb, `“${ttl}” is not a number of minutes`);
      return {
        ok: true,
        command: {
          name: verb,
          project: args[0] ?? "",
          ttlMinutes: ttl === undefined ? undefined : Number(ttl),
        },
      };
    }
    case "status": {
      if (wrongCount(1, 1)) return fail(verb, "status needs one task id");
      const taskId = args[0] ?? "";
      if (!TASK_ID.test(taskId))
        return fail(
          verb,
          `“${taskId}” is not a task id`,
          "Task ids look like tsk_ followed by 26 letters and digits; `tasks` lists recent ones.",
        );
      return { ok: true, command: { name: verb, taskId } };
    }
    case "cost": {
      if (wrongCount(3, 3)) return fail(verb, "cost needs CPU cores, memory in GB and storage in GB");
      const numbers = args.map(Number);
      const [cpu = 0, memoryGb = 0, storageGb = 0] = numbers;
      if (numbers.some((n) => !Number.isFinite(n) || n < 0))
        return fail(verb, "cost takes three numbers of zero or more");
      return { ok: true, command: { name: verb, cpu, memoryGb, storageGb } };
    }
    case "tasks":
    case "dlq":
    case "help":
      if (args.length > 0) return fail(verb, `${verb} takes no arguments`);
      return { ok: true, command: { name: verb } };
  }
}

function isCommandName(word: string): word is CommandName {
  return (COMMAND_NAMES as string[]).includes(word);
}

function fail(command: CommandName | undefined, title: string, hint?: string): ParseResult {
  const error: ParseError = { title };
  if (command) error.command = command;
  if (hint) error.hint = hint;
  else if (!command) error.hint = "Type help to see every command.";
  return { ok: false, error };
}

/** A known command within two edits of what was typed, so "restat" suggests "restart". */
function closest(word: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of COMMAND_NAMES) {
    const d = distance(word, name);
    if (d <= 2 && (!best || d < best.distance)) best = { name, distance: d };
  }
  return best?.name;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

function isDbEngine(value: string): value is DbEngine {
  return (DB_ENGINES as readonly string[]).includes(value);
}
