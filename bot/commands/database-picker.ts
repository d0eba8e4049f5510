import { buildChoiceCard } from "../../cards/choice-card";
import { buildErrorCard } from "../../cards/error-card";
import type { CardJson } from "../../cards/expand";
import { formatBytes } from "../../cards/text";
import type { DbInstanceInfo } from "../../contracts/databases";
import type { TaskAccepted, TaskDetail } from "../../contracts/tasks";
import type { DbEngine } from "../../domain/model/task-types";
import { type ApiClient, ApiProblem, type CallContext } from "../api-client";
import { usageOf } from "../replies";

/**
 * What a backup or restore command leads to: a task started (with the task as the API showed it, when
 * it did), or a card asking for (or explaining) more.
 */
export type DbStep = { kind: "task"; taskId: string; task?: TaskDetail } | { kind: "card"; card: CardJson };

export interface DbCommand {
  name: "backup" | "restore";
  engine: DbEngine | undefined;
  instance: string | undefined;
  artifactId?: string | undefined;
}

const card = (c: CardJson): DbStep => ({ kind: "card", card: c });

function instanceLabel(i: DbInstanceInfo): string {
  return i.environment ? `${i.engine} · environment ${i.environment}` : i.engine;
}

/** The configured instances as buttons that run `verb engine id`. */
function instancePicker(
  verb: "backup" | "restore",
  instances: readonly DbInstanceInfo[],
  title: string,
  detail?: string,
): CardJson {
  return buildChoiceCard({
    title,
    detail,
    choices: instances.map((i) => ({
      label: i.id,
      subtitle: instanceLabel(i),
      button: verb === "backup" ? "Back up" : "Choose backup",
      command: `${verb} ${i.engine} ${i.id}`,
    })),
    footnote: `Or type ${usageOf(verb).usage ?? verb}.`,
  });
}

/** A backup or restore as far as the user's words go: pick the instance, then (restore) the backup. */
export async function runDbCommand(command: DbCommand, ctx: CallContext, api: ApiClient): Promise<DbStep> {
  const { name: verb } = command;
  const catalogue = await api.listDbInstances(ctx);
  const known = catalogue.items.filter((i) => !command.engine || i.engine === command.engine);

  if (catalogue.simulated && !(command.engine && command.instance)) {
    // Demo mode without DB_INSTANCES: every name is simulated, so there is nothing to pick from.
    return card(
      buildErrorCard({
        title: `Name the database to ${verb === "backup" ? "back up" : "restore"}`,
        detail:
          "This CloudOps runs in demo mode without configured databases: any instance name works, and the operation is simulated.",
        ...usageOf(verb),
      }),
    );
  }
  if (!command.instance) {
    if (known.length === 0) return card(noInstances(verb, command.engine));
    return card(
      instancePicker(
        verb,
        known,
        verb === "backup" ? "Which database should I back up?" : "Which database should I restore?",
      ),
    );
  }
  const typed = command.instance;
  const match =
    catalogue.simulated && command.engine
      ? { id: typed, engine: command.engine }
      : (known.find((i) => i.id === typed) ??
        single(known.filter((i) => i.id.toLowerCase() === typed.toLowerCase())));
  if (!match) {
    if (known.length === 0) return card(noInstances(verb, command.engine));
    return card(
      instancePicker(
        verb,
        known,
        `There is no ${command.engine ?? "database"} instance named “${typed}”`,
        "Pick one of the configured instances:",
      ),
    );
  }
  if (verb === "backup") return taskStarted(await api.backupDatabase(ctx, match.engine, match.id));
  if (!command.artifactId) return backupPicker(ctx, api, match.engine, match.id);
  return taskStarted(await api.restoreDatabase(ctx, match.engine, match.id, command.artifactId));
}

/** The step of a command whose call queued a task (run-command.ts uses it for every such command). */
export function taskStarted(accepted: TaskAccepted): DbStep {
  return { kind: "task", taskId: accepted.taskId, task: accepted.task };
}

function single<T>(items: T[]): T | undefined {
  return items.length === 1 ? items[0] : undefined;
}

function noInstances(verb: "backup" | "restore", engine: DbEngine | undefined): CardJson {
  return buildErrorCard({
    title: engine ? `No ${engine} databases are configured` : "No databases are configured",
    detail: `CloudOps can ${verb === "backup" ? "back up" : "restore"} only the databases an admin lists in DB_INSTANCES.`,
    hint: "Ask the platform team to add the database to DB_INSTANCES.",
  });
}

/** The instance's recent backups as buttons that run `restore engine id artifact`. */
async function backupPicker(ctx: CallContext, api: ApiClient, engine: DbEngine, id: string): Promise<DbStep> {
  let items: Awaited<ReturnType<ApiClient["listBackups"]>>["items"];
  try {
    ({ items } = await api.listBackups(ctx, engine, id));
  } catch (error) {
    if (error instanceof ApiProblem && error.status === 404) items = [];
    else throw error;
  }
  if (items.length === 0) {
    return card(
      buildErrorCard({
        title: `${id} has no backups yet`,
        hint: `Make one first: backup ${engine} ${id}`,
      }),
    );
  }
  return card(
    buildChoiceCard({
      title: `Which backup of ${id} should I restore?`,
      detail: `Restoring replaces the data of ${id} (${engine}) with the backup's.`,
      choices: items.map((b) => ({
        label: b.createdAt.replace("T", " ").replace(/\.\d+Z$/, " UTC"),
        subtitle: `${b.artifactId} · ${formatBytes(b.size)} · sha256 ${b.sha256.slice(0, 12)}`,
        button: "Restore",
        command: `restore ${engine} ${id} ${b.artifactId}`,
      })),
      footnote: "Newest first.",
    }),
  );
}
