import type { CardJson } from "../../cards/expand";
import { buildFactsCard } from "../../cards/facts-card";
import { buildHelpCard } from "../../cards/help-card";
import { buildTaskListCard, taskRow } from "../../cards/task-list-card";
import type { ApiClient, CallContext } from "../api-client";
import { problemCard, viewerRefusal } from "../replies";
import { type TaskCards, taskVersion } from "../task-cards";
import { COMMANDS } from "./catalog";
import { type DbStep, runDbCommand, taskStarted } from "./database-picker";
import type { Command } from "./parse";
import { resolveEnvironment, resolveProject } from "./resolve-names";

export interface CommandDeps {
  api: ApiClient;
  publicUrl: string;
  cards: TaskCards;
  /** Teams ids whose clients auto-refresh a task card the command shows. */
  refreshUserIds?: readonly string[];
}

/** What the bot answers: a card, and the task it follows when the command started or showed one. */
export interface CommandReply {
  card: CardJson;
  taskId?: string;
  /** True when the card is the live card of a task the command just started. */
  startedTask?: boolean;
  /** The version of the task the card shows (see taskVersion), so an unchanged task is not re-sent. */
  shownVersion?: string;
  /** The task status the card shows: recorded with the posted card as its delivered status. */
  shownStatus?: string;
}

const DEFAULT_SANDBOX_TTL = 60;

const VERB_PHRASE: Record<string, string> = {
  restart: "restart workloads",
  deploy: "deploy",
  backup: "back up databases",
  restore: "restore databases",
  sandbox: "create sandboxes",
};

/** Runs one parsed command against the API and shapes the reply card. Never throws. */
export async function runCommand(
  command: Command,
  ctx: CallContext,
  deps: CommandDeps,
): Promise<CommandReply> {
  const { api, publicUrl } = deps;
  const extras = deps.refreshUserIds ? { refreshUserIds: deps.refreshUserIds } : {};
  if (COMMANDS[command.name].mutating && ctx.actor.role === "viewer") {
    return { card: viewerRefusal(ctx.actor, VERB_PHRASE[command.name] ?? command.name) };
  }
  try {
    const started = await start(command, ctx, api);
    if (started?.kind === "card") return { card: started.card };
    if (started?.kind === "task") {
      // The API answers with the task when it honours the preference (it always does today).
      const task = started.task ?? (await api.getTask(ctx, started.taskId));
      const card = await deps.cards.build(task, extras);
      return {
        card,
        taskId: task.id,
        startedTask: true,
        shownVersion: taskVersion(task),
        shownStatus: task.status,
      };
    }
    switch (command.name) {
      case "status": {
        const task = await api.getTask(ctx, command.taskId);
        return {
          card: await deps.cards.build(task, extras),
          taskId: task.id,
          shownVersion: taskVersion(task),
          shownStatus: task.status,
        };
      }
      case "tasks": {
        const page = await api.listTasks(ctx, 10);
        return {
          card: buildTaskListCard({
            title: "Recent tasks",
            rows: page.items.map(taskRow),
            emptyText: "No tasks yet. Try `restart <namespace>/<workload>`.",
            publicUrl,
          }),
        };
      }
      case "dlq": {
        const page = await api.listDeadLetters(ctx);
        const open = page.items.filter((d) => d.status === "open");
        return {
          card: buildTaskListCard({
            title: "Dead-letter queue",
            rows: (open.length ? open : page.items).map((d) => ({
              id: d.taskId,
              heading: `${d.taskType} · ${d.entityId}`,
              detail: `${d.taskId} · ${d.reason} after ${d.attempts} attempts · ${d.lastError}`,
              label: d.status,
              color: d.status === "open" ? "Attention" : "Default",
            })),
            emptyText: "The dead-letter queue is empty.",
            publicUrl,
            path: "/dlq",
          }),
        };
      }
      case "cost": {
        const estimate = await api.estimateCost(ctx, command.cpu, command.memoryGb, command.storageGb);
        return { card: costCard(command, estimate) };
      }
      default:
        return {
          card: buildHelpCard(
            Object.values(COMMANDS).map(({ usage, description, example }) => ({
              usage,
              description,
              example,
            })),
            { publicUrl },
          ),
        };
    }
  } catch (error) {
    return { card: problemCard(error, command.name) };
  }
}

type Started = DbStep | null;

async function start(command: Command, ctx: CallContext, api: ApiClient): Promise<Started> {
  switch (command.name) {
    case "restart":
      return taskStarted(await api.restartWorkload(ctx, command.namespace, command.workload));
    case "backup":
    case "restore":
      return runDbCommand(command, ctx, api);
    case "deploy": {
      const project = await resolveProject(api, ctx, command.project, "deploy");
      if (project.kind === "card") return project;
      const env = await resolveEnvironment(api, ctx, project.value, command.environment);
      if (env.kind === "card") return env;
      return taskStarted(
        await api.createDeployment(ctx, {
          projectId: project.value.id,
          envId: env.value.id,
          // No template named: the project's default (web-app unless the project sets another).
          templateId: command.template ?? project.value.defaultTemplate,
          params: {},
        }),
      );
    }
    case "sandbox": {
      const project = await resolveProject(api, ctx, command.project, "sandbox");
      if (project.kind === "card") return project;
      return taskStarted(
        await api.createSandbox(ctx, {
          projectId: project.value.id,
          ttlMinutes: command.ttlMinutes ?? DEFAULT_SANDBOX_TTL,
        }),
      );
    }
    default:
      return null;
  }
}

function costCard(command: Extract<Command, { name: "cost" }>, estimate: Record<string, unknown>): CardJson {
  const facts: Array<{ title: string; value: string }> = [];
  const currency = typeof estimate.currency === "string" ? estimate.currency : "";
  const money = (v: unknown) => (typeof v === "number" ? `${v.toFixed(2)} ${currency}`.trim() : String(v));
  for (const [key, value] of Object.entries(estimate)) {
    if (key === "currency" || key === "input") continue;
    if (typeof value === "number" || typeof value === "string")
      facts.push({ title: label(key), value: money(value) });
    else if (Array.isArray(value)) {
      for (const line of value) {
        if (line && typeof line === "object") {
          const l = line as Record<string, unknown>;
          const name = l.label ?? l.name ?? l.item ?? l.resource ?? key;
          const amount = l.monthly ?? l.monthlyCost ?? l.cost ?? l.amount ?? l.total;
          if (amount !== undefined) facts.push({ title: String(name), value: money(amount) });
        }
      }
    }
  }
  return buildFactsCard({
    title: "Monthly cost estimate",
    subtitle: `${command.cpu} vCPU · ${command.memoryGb} GB memory · ${command.storageGb} GB storage`,
    facts,
    footnote: "List prices from the platform's pricing table; the dashboard shows the breakdown.",
  });
}

function label(key: string): string {
  const words = key.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
