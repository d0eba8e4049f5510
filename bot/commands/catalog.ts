import type { CommandHelp } from "../../cards/help-card";

export type CommandName =
  | "restart"
  | "deploy"
  | "backup"
  | "restore"
  | "sandbox"
  | "status"
  | "tasks"
  | "dlq"
  | "cost"
  | "help";

/** Every command the bot understands: the parser, the help card and the Teams manifest agree on this list. */
export const COMMANDS: Record<CommandName, CommandHelp & { mutating: boolean }> = {
  restart: {
    usage: "restart <namespace>/<workload>",
    description: "Rolling restart of a Kubernetes workload.",
    example: "restart prod/api",
    mutating: true,
  },
  deploy: {
    usage: "deploy <project>/<environment> [template]",
    description:
      "Deploy a template (the project's default template if none is named) to a project's environment.",
    example: "deploy shop/dev api-service",
    mutating: true,
  },
  backup: {
    usage: "backup [<engine>] [<instance>]",
    description:
      "Back up a database (engine azure-postgres or azure-sql); without an instance, pick one from a list.",
    example: "backup azure-postgres orders-db",
    mutating: true,
  },
  restore: {
    usage: "restore [<engine>] [<instance>] [<artifactId>]",
    description: "Restore a database from a backup; without an instance or backup, pick them from a list.",
    example: "restore azure-postgres orders-db art_01jd2x5k8m0000abcdefghjkmn",
    mutating: true,
  },
  sandbox: {
    usage: "sandbox <project> [ttlMinutes]",
    description: "Create a sandbox environment that expires by itself (60 minutes by default).",
    example: "sandbox shop 120",
    mutating: true,
  },
  status: {
    usage: "status <taskId>",
    description: "Show a task's card.",
    example: "status tsk_01jd2x5k8m0000abcdefghjkmn",
    mutating: false,
  },
  tasks: { usage: "tasks", description: "List the most recent tasks.", example: "tasks", mutating: false },
  dlq: { usage: "dlq", description: "List tasks in the dead-letter queue.", example: "dlq", mutating: false },
  cost: {
    usage: "cost <cpu> <memoryGb> <storageGb>",
    description: "Estimate the monthly cost of a workload.",
    example: "cost 2 4 100",
    mutating: false,
  },
  help: { usage: "help", description: "Show this list.", example: "help", mutating: false },
};

export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];
